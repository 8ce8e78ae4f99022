import { InvalidArgumentError } from '@porta/core';
import { checkPositiveInteger, checkPositiveNumber } from '@porta/core/transport';
import { type Jitter, jitterWait } from './jitter.js';

/**
 * A retry policy: for each attempt of one request, how long to wait for its answer — or whether to
 * give up. {@link retryBackoff} asks it once per attempt, before sending.
 *
 * Built by {@link exponentialBackoff} (the course's schedule and its variants) or by `fromSchedule`
 * from `@porta/reliability/effect` (an Effect `Schedule`).
 *
 * @example
 * ```ts
 * const run = exponentialBackoff().start();
 * run.next({ attempt: 1, elapsedMs: 0, now: 0 }); // 100
 * ```
 */
export interface BackoffPolicy {
  /** Starts the sequence of waits of one request. */
  start(): BackoffRun;
}

/** The waits of one request: see {@link BackoffPolicy}. */
export interface BackoffRun {
  /**
   * The wait (ms) of attempt `attempt` (1-based), or `undefined` to give up instead of making it.
   * Called once per attempt, in order.
   */
  next(state: BackoffState): number | undefined;
}

/** Where a request stands when {@link BackoffRun.next} is asked for the next wait. */
export interface BackoffState {
  /** The attempt about to be made, from 1. */
  readonly attempt: number;
  /** Time since the first attempt was made (0 for the first). */
  readonly elapsedMs: number;
  /** The scheduler's clock. */
  readonly now: number;
}

/** Options of {@link exponentialBackoff}. Every default reproduces the course. */
export interface ExponentialBackoffOptions {
  /** Wait of the first attempt. Default 100 ms. */
  readonly initialMs?: number;
  /** Each wait is the previous one times `factor`. Default 2. */
  readonly factor?: number;
  /** The largest wait. Default 2000 ms. What happens past it is {@link ExponentialBackoffOptions.onMaxWait}. */
  readonly maxWaitMs?: number;
  /**
   * `'give-up'` (default, the course): give up when the next wait would exceed `maxWaitMs` — with
   * the defaults, after the waits 100, 200, 400, 800 and 1600 ms. `'cap'`: keep retrying with waits
   * of `maxWaitMs` until `maxAttempts` or `maxElapsedMs` ends the request.
   */
  readonly onMaxWait?: 'give-up' | 'cap';
  /** Most attempts (sends) per request. Default unlimited (the course stops by wait size). */
  readonly maxAttempts?: number;
  /** Most total time per request; the last wait is shortened to fit. Default unlimited. */
  readonly maxElapsedMs?: number;
  /** Randomisation of each wait, see {@link Jitter}. Default `'none'`. */
  readonly jitter?: Jitter;
  /** Random source for jitter, `Math.random`'s contract. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Exponential backoff: wait `initialMs`, then `factor` times longer after every timeout. With no
 * options it is the course's `udp_remote.py` client exactly: waits of 0.1, 0.2, 0.4, 0.8 and 1.6 s
 * (five sends), then give up, about 3.1 s after the first send.
 *
 * The give-up rule looks at the wait *before* jitter, so every jitter mode makes the same number
 * of attempts.
 *
 * @throws {@link @porta/core!InvalidArgumentError} for a non-positive wait, a factor below 1, a bad count.
 * @example
 * ```ts
 * exponentialBackoff();                                               // the course
 * exponentialBackoff({ jitter: 'equal', onMaxWait: 'cap', maxAttempts: 8 });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffPolicy {
  const initial = checkPositiveNumber(options.initialMs ?? 100, 'initialMs');
  const factor = options.factor ?? 2;
  if (!(factor >= 1) || !Number.isFinite(factor)) {
    throw new InvalidArgumentError(`factor must be a finite number ≥ 1, got ${String(factor)}`);
  }
  const cap = checkPositiveNumber(options.maxWaitMs ?? 2000, 'maxWaitMs');
  const onMaxWait = options.onMaxWait ?? 'give-up';
  const maxAttempts = checkPositiveInteger(options.maxAttempts ?? Number.POSITIVE_INFINITY, 'maxAttempts', {
    infinity: true,
  });
  const maxElapsed = checkPositiveNumber(options.maxElapsedMs ?? Number.POSITIVE_INFINITY, 'maxElapsedMs', {
    infinity: true,
  });
  const jitter = options.jitter ?? 'none';
  const random = options.random ?? Math.random;
  const first = Math.min(initial, cap);

  return {
    start(): BackoffRun {
      let previous = first;
      return {
        next({ attempt, elapsedMs }) {
          if (attempt > maxAttempts || elapsedMs >= maxElapsed) return undefined;
          const raw = initial * factor ** (attempt - 1);
          // The course: `delay *= 2; if delay > 2.0: raise` — decided on the unjittered wait.
          if (attempt > 1 && onMaxWait === 'give-up' && raw > cap) return undefined;
          const base = Math.min(raw, cap);
          const wait = jitterWait({ mode: jitter, base, initial: first, previous, cap, random });
          previous = wait;
          return Math.min(wait, maxElapsed - elapsedMs);
        },
      };
    },
  };
}
