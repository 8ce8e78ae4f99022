import { trackHandles } from '@porta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../examples/src/cli/exitCodes.js';
import { runPorta as run } from '../../examples/test/support.js';

trackHandles();

/** A usage error is one short line naming the command, never a stack trace or an echo of megabytes. */
function expectCleanUsageError(result: Awaited<ReturnType<typeof run>>): void {
  expect(result.code).toBe(ExitCode.Usage);
  expect(result.out).toEqual([]);
  const first = result.err[0] ?? '';
  expect(first).toMatch(/^porta( [a-z0-9-]+)?: /);
  expect(result.err.join('\n')).not.toMatch(/\n\s+at .*:\d+:\d+/);
}

describe('hostile: abusing the porta command line', () => {
  it.each([
    ['-p', '0x50'],
    ['-p', '1e3'],
    ['-p', ' 80'],
    ['-p', '-1'],
    ['-p', '٨٠'],
    ['-p', '65536'],
    ['-p', `${'9'.repeat(400)}`],
    ['-p', '80\u0000'],
  ])('a port spelled %s %j is refused', async (flag, value) => {
    const result = await run(['udp-local', 'client', '127.0.0.1', flag, value]);
    expectCleanUsageError(result);
    expect(result.err[0]).toMatch(/port/);
  });

  it('a megabyte-long argument is refused without being echoed back whole', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    for (const args of [[huge], ['udp-local', huge], ['tcp-16', 'client', '127.0.0.1', '-p', huge]]) {
      const result = await run(args);
      expectCleanUsageError(result);
      expect(result.err.join('\n').length).toBeLessThan(huge.length);
    }
  });

  it('random junk after any example and role is a clean usage error, never a crash (property)', async () => {
    const examples = ['udp-local', 'tcp-16', 'udp-remote', 'promiscuous', 'tic-tac-toe', 'tour', 'nope', ''];
    const roles = ['server', 'client', 'servidor', 'cliente', 'attack', 'demo', '', '\u0000'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...examples),
        fc.constantFrom(...roles),
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 5 }),
        fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom('a', 'b', 'z', '-', '_') }),
        async (example, role, junk, option) => {
          // An option that does not exist guarantees a usage error: nothing binds or connects.
          const result = await run([example, role, ...junk, `--no-such-${option}`]);
          expectCleanUsageError(result);
        },
      ),
      { numRuns: 150 },
    );
  });
});
