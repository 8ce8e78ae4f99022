import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../src/auth/replayWindow.js';

/*
 * WireGuard's published replay-window test cases, reproduced as a table:
 * - wireguard-go, replay/replay_test.go (TestReplay: 34 numbered cases and "Bulk test 1..6");
 * - Linux, drivers/net/wireguard/selftest/counter.c (the same 34 cases; its bulk tests 3 and 4 run
 *   one counter lower than the Go port, so both variants are here).
 * Each case names a counter and whether the window must accept it, in order, on one window.
 * T_LIM is the window size + 1; REJECT is the counter limit (the Go test's (1<<64) - (1<<4) - 1,
 * and the kernel's U64_MAX - COUNTER_WINDOW_SIZE - 1).
 */
type Case = readonly [counter: bigint, accepted: boolean];

function numbered(windowSize: bigint, reject: bigint): Case[] {
  const T_LIM = windowSize + 1n;
  return [
    [0n, true], //  1
    [1n, true], //  2
    [1n, false], //  3
    [9n, true], //  4
    [8n, true], //  5
    [7n, true], //  6
    [7n, false], //  7
    [T_LIM, true], //  8
    [T_LIM - 1n, true], //  9
    [T_LIM - 1n, false], // 10
    [T_LIM - 2n, true], // 11
    [2n, true], // 12
    [2n, false], // 13
    [T_LIM + 16n, true], // 14
    [3n, false], // 15
    [T_LIM + 16n, false], // 16
    [T_LIM * 4n, true], // 17
    [T_LIM * 4n - (T_LIM - 1n), true], // 18: the exact left edge
    [10n, false], // 19
    [T_LIM * 4n - T_LIM, false], // 20: one past the left edge
    [T_LIM * 4n - (T_LIM + 1n), false], // 21
    [T_LIM * 4n - (T_LIM - 2n), true], // 22
    [T_LIM * 4n + 1n - T_LIM, false], // 23
    [0n, false], // 24
    [reject, false], // 25
    [reject - 1n, true], // 26
    [reject, false], // 27
    [reject - 1n, false], // 28
    [reject - 2n, true], // 29
    [reject + 1n, false], // 30
    [reject + 2n, false], // 31
    [reject - 2n, false], // 32
    [reject - 3n, true], // 33
    [0n, false], // 34
  ];
}

const range = (from: bigint, to: bigint): bigint[] => {
  const out: bigint[] = [];
  if (from <= to) for (let i = from; i <= to; i++) out.push(i);
  else for (let i = from; i >= to; i--) out.push(i);
  return out;
};
const all = (counters: bigint[], accepted: boolean): Case[] => counters.map((c) => [c, accepted]);

function bulk(W: bigint): Record<string, Case[]> {
  return {
    'bulk 1: ascending 1..W, then 0 once': [...all(range(1n, W), true), [0n, true], [0n, false]],
    'bulk 2: ascending 2..W+1, then 1, and 0 is too old': [
      ...all(range(2n, W + 1n), true),
      [1n, true],
      [0n, false],
    ],
    'bulk 3 (go): descending W+1..1': all(range(W + 1n, 1n), true),
    'bulk 3 (kernel): descending W..0': all(range(W, 0n), true),
    'bulk 4 (go): descending W+2..2, then 0 is too old': [...all(range(W + 2n, 2n), true), [0n, false]],
    'bulk 4 (kernel): descending W+1..1, then 0 is too old': [...all(range(W + 1n, 1n), true), [0n, false]],
    'bulk 5: descending W..1, then W+1, and 0 is too old': [
      ...all(range(W, 1n), true),
      [W + 1n, true],
      [0n, false],
    ],
    'bulk 6: descending W..1, then 0, then W+1': [...all(range(W, 1n), true), [0n, true], [W + 1n, true]],
  };
}

function run(window: ReplayWindow, cases: readonly Case[]): string[] {
  const failures: string[] = [];
  cases.forEach(([counter, expected], i) => {
    if (window.accept(counter) !== expected) failures.push(`case ${i + 1}: ${counter} should be ${expected}`);
  });
  return failures;
}

const U64_MAX = (1n << 64n) - 1n;

describe('ReplayWindow passes WireGuard’s replay test cases', () => {
  for (const [label, bits, reject] of [
    ['WireGuard size (8192 bits), go limit', 8192, (1n << 64n) - (1n << 4n) - 1n],
    ['WireGuard size (8192 bits), kernel limit', 8192, U64_MAX - 8128n - 1n],
    ['default size (2048 bits)', 2048, (1n << 64n) - (1n << 4n) - 1n],
    ['smallest size (128 bits)', 128, U64_MAX - 64n - 1n],
  ] as const) {
    it(`numbered cases 1–34, ${label}`, () => {
      const window = new ReplayWindow({ bits, limit: reject });
      expect(window.windowSize).toBe(BigInt(bits - 64));
      expect(run(window, numbered(window.windowSize, reject))).toEqual([]);
    });

    it(`bulk fills, ${label}`, () => {
      for (const [name, cases] of Object.entries(bulk(BigInt(bits - 64)))) {
        const failures = run(new ReplayWindow({ bits, limit: reject }), cases);
        expect(failures, name).toEqual([]);
      }
    });
  }
});

describe('ReplayWindow', () => {
  it('check() predicts accept() without recording anything', () => {
    const window = new ReplayWindow({ bits: 128 });
    expect(window.check(5n)).toBe(true);
    expect(window.check(5n)).toBe(true);
    expect(window.accept(5n)).toBe(true);
    expect(window.check(5n)).toBe(false);
    expect(window.check(1000n)).toBe(true);
    expect(window.highest).toBe(5n);
    window.reset();
    expect(window.accept(5n)).toBe(true);
  });

  it('accepts every 64-bit counter once by default and nothing outside 0..2^64-1', () => {
    const window = new ReplayWindow();
    expect(window.accept(U64_MAX)).toBe(true);
    expect(window.accept(U64_MAX)).toBe(false);
    expect(window.accept(1n << 64n)).toBe(false);
    expect(window.accept(-1n)).toBe(false);
  });

  it('refuses bad sizes and limits with INVALID_ARGUMENT', () => {
    for (const options of [
      { bits: 100 },
      { bits: 64 },
      { bits: 2049 },
      { limit: 0n },
      { limit: (1n << 64n) + 1n },
    ]) {
      expect(() => new ReplayWindow(options)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('agrees with a naive model (a set of seen counters) on any sequence', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(128, 256, 512),
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 700n }), fc.bigInt({ min: 0n, max: 1n << 20n })), {
          maxLength: 400,
        }),
        (bits, counters) => {
          const window = new ReplayWindow({ bits });
          const size = BigInt(bits - 64);
          const seen = new Set<bigint>();
          let highest = 0n;
          for (const c of counters) {
            // The model: new, and not more than windowSize behind the highest accepted.
            const expected = !seen.has(c) && (c > highest || highest - c <= size);
            expect(window.check(c)).toBe(expected);
            expect(window.accept(c)).toBe(expected);
            if (expected) {
              seen.add(c);
              if (c > highest) highest = c;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
