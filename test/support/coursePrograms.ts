import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/coursePrograms.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The course's Python programs, beside the project (`../shared/seed/python`), never copied into it. */
export const pythonDir = resolve(repoRoot, '../shared/seed/python');

/**
 * Why the interop tests with the course's Python programs cannot run here, or `undefined` when they
 * can. They need `python3` and the programs in `../shared/seed/python`; a user's own clone has no
 * `../shared`, and there (only there, or without python3) those tests skip and print this reason.
 */
export function pythonSkipReason(): string | undefined {
  if (!existsSync(resolve(pythonDir, 'udp_local.py'))) {
    return `the course's Python programs are not at ${pythonDir} (a clone without ../shared)`;
  }
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3 is not installed';
  return undefined;
}
