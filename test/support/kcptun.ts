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

/** What a kcptun end is told, under kcptun's own option names. */
export interface KcptunFlagOptions {
  readonly mode?: string;
  readonly smuxver?: 1 | 2;
  /** `--crypt`; default `none`. */
  readonly crypt?: string;
  readonly key?: string;
  /** `--ds` / `--ps`; default 0 (no FEC). */
  readonly ds?: number;
  readonly ps?: number;
  /** Compression on (no `--nocomp`); default off. */
  readonly comp?: boolean;
}

/**
 * The flags a kcptun end needs to talk to porta: by default no cipher, no compression, no FEC, and
 * the same mode and smux version on both ends; each can be turned on.
 */
export function kcptunFlags(options: KcptunFlagOptions = {}): string[] {
  return [
    '--crypt',
    options.crypt ?? 'none',
    ...(options.key !== undefined ? ['--key', options.key] : []),
    ...(options.comp ? [] : ['--nocomp']),
    '--ds',
    String(options.ds ?? 0),
    '--ps',
    String(options.ps ?? 0),
    '--mode',
    options.mode ?? 'fast',
    '--smuxver',
    String(options.smuxver ?? 1),
    '--quiet',
  ];
}
