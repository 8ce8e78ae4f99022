import { InvalidArgumentError } from '@porta/core';

/**
 * How a backoff wait is randomised, after the AWS Architecture Blog's "Exponential Backoff and
 * Jitter" (Marc Brooker, 2015). With `base = min(cap, initial · factor^(n−1))`:
 *
 * - `none` — `base` (the course: 100, 200, 400, 800, 1600 ms);
 * - `full` — `random(0, base)`;
 * - `equal` — `base/2 + random(0, base/2)`;
 * - `decorrelated` — `min(cap, random(initial, previous · 3))`, where `previous` is the last wait
 *   (the initial wait before the first).
 *
 * Jitter spreads the retries of many clients that failed together, so they do not all come back at
 * the same instant. For a *timeout* (which is what porta's waits are) `full` can make a wait very
 * short; `equal` keeps at least half of it.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** What {@link jitterWait} needs to compute one wait. */
export interface JitterInput {
  readonly mode: Jitter;
  /** The exponential wait before jitter, already capped. */
  readonly base: number;
  /** The first wait of the sequence (the lower bound of `decorrelated`). */
  readonly initial: number;
  /** The previous wait actually used (for `decorrelated`); the initial wait before the first. */
  readonly previous: number;
  /** The largest wait allowed. */
  readonly cap: number;
  /** A float in `[0, 1)`, `Math.random`'s contract. */
  readonly random: () => number;
}

/**
 * One jittered wait, in ms, per the formulas of {@link Jitter}.
 *
 * @example
 * ```ts
 * jitterWait({ mode: 'equal', base: 400, initial: 100, previous: 200, cap: 2000, random: Math.random });
 * // somewhere in [200, 400)
 * ```
 */
export function jitterWait(input: JitterInput): number {
  const { mode, base, initial, previous, cap, random } = input;
  switch (mode) {
    case 'none':
      return base;
    case 'full':
      return random() * base;
    case 'equal':
      return base / 2 + (random() * base) / 2;
    case 'decorrelated': {
      const high = Math.max(initial, previous * 3);
      return Math.min(cap, initial + random() * (high - initial));
    }
    default:
      throw new InvalidArgumentError(`unknown jitter mode ${JSON.stringify(mode as unknown)}`);
  }
}
