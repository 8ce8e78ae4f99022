import { spawnSync } from 'node:child_process';

/**
 * Why the interop tests with Debian's kcptun cannot run here, or `undefined` when they can. They
 * need `kcptun-client` and `kcptun-server` on the PATH (`apt-get install kcptun`; `.ci/run` does it).
 */
export function kcptunSkipReason(): string | undefined {
  for (const program of ['kcptun-client', 'kcptun-server']) {
    const probe = spawnSync(program, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return `${program} is not installed (apt-get install kcptun)`;
  }
  return undefined;
}

/**
 * The flags both kcptun ends need to talk to porta: no cipher, no compression, no FEC — the parts
 * porta implements — and the same mode and smux version on both ends.
 */
export function kcptunFlags(options: { readonly mode?: string; readonly smuxver?: 1 | 2 } = {}): string[] {
  return [
    '--crypt',
    'none',
    '--nocomp',
    '--ds',
    '0',
    '--ps',
    '0',
    '--mode',
    options.mode ?? 'fast',
    '--smuxver',
    String(options.smuxver ?? 1),
    '--quiet',
  ];
}
