import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Why the capture tests cannot read their captures back with Debian's `tshark` here, or `undefined`
 * when they can (`.ci/run` installs it; on a user's machine it is optional and those tests skip).
 */
export function tsharkSkipReason(): string | undefined {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0)
    return 'tshark is not installed (apt-get install tshark)';
  return undefined;
}

/** A temporary directory for capture files, removed by the returned `remove`. */
export function captureDir(): { readonly path: (name: string) => string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'porta-pcap-'));
  return { path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `tshark -r file` with `args` (never a live capture) and returns its stdout. Name resolution
 * is off so addresses and ports print as numbers, and checksums are verified (tshark leaves them
 * "unverified" by default); its warning about running as root goes to stderr, ignored unless it fails.
 */
export function tshark(file: string, args: readonly string[] = []): string {
  const checks = ['ip.check_checksum:TRUE', 'udp.check_checksum:TRUE', 'tcp.check_checksum:TRUE'];
  return execFileSync('tshark', ['-n', ...checks.flatMap((o) => ['-o', o]), '-r', file, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
}

/** `tshark -T fields -e …` as rows of fields, one row per packet. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string): string[][] {
  const args = ['-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of fields) args.push('-e', f);
  if (filter !== undefined) args.push('-Y', filter);
  return tshark(file, args)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** Writes captured pcapng chunks to `file` (for a capture that wrote to memory). */
export function writeCapture(file: string, chunks: readonly Uint8Array[]): void {
  writeFileSync(file, Buffer.concat(chunks));
}
