import { InvalidArgumentError, ServerUnreachableError } from '@porta/core';
import {
  asyncScheduler,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { type BackoffPolicy, type ExponentialBackoffOptions, exponentialBackoff } from './backoffPolicy.js';

/** Reported by {@link RetryBackoffOptions.onAttempt} as each attempt starts. */
export interface AttemptInfo {
  /** The attempt starting now, from 1. */
  readonly attempt: number;
  /** How long it will wait for an answer before it times out. */
  readonly waitMs: number;
  /** Time since the first attempt started. */
  readonly elapsedMs: number;
}

/** Reported by {@link RetryBackoffOptions.onTimeout} when an attempt got no answer in time. */
export interface TimeoutInfo {
  /** The attempt that timed out. */
  readonly attempt: number;
  /** The wait it had. */
  readonly waitMs: number;
  readonly elapsedMs: number;
  /** Set when the attempt failed with an error that {@link RetryBackoffOptions.retryOn} accepted. */
  readonly error?: unknown;
}

/** Reported by {@link RetryBackoffOptions.onRetry} just before a retry is made. */
export interface RetryInfo extends AttemptInfo {
  /** Why the previous attempt is being retried. */
  readonly reason: 'timeout' | 'error';
  readonly error?: unknown;
}

/** Options of {@link retryBackoff}: a policy (default: the course's) plus clock and hooks. */
export interface RetryBackoffOptions extends ExponentialBackoffOptions {
  /**
   * The waits, instead of the exponential options. An Effect `Schedule` becomes a policy with
   * `fromSchedule` from `@porta/reliability/effect`.
   */
  readonly policy?: BackoffPolicy;
  /** Clock and timers. Default `asyncScheduler`; pass a virtual-time scheduler in tests and simulations. */
  readonly scheduler?: SchedulerLike;
  /**
   * Whether an error from an attempt is retried (at the end of that attempt's wait, keeping the
   * pacing) instead of passed on. Default: never — only a timeout is retried.
   */
  readonly retryOn?: (error: unknown, attempt: number) => boolean;
  /** Named in the give-up message, e.g. `127.0.0.1:1060`. */
  readonly target?: string;
  /** Called as every attempt starts, the first included (the course prints its wait here). */
  readonly onAttempt?: (info: AttemptInfo) => void;
  /** Called when an attempt times out (or fails retryably), retried or not. */
  readonly onTimeout?: (info: TimeoutInfo) => void;
  /** Called before each retry, with the retry's wait. */
  readonly onRetry?: (info: RetryInfo) => void;
}

function resolvePolicy(options: RetryBackoffOptions): BackoffPolicy {
  const { policy } = options;
  if (policy === undefined) return exponentialBackoff(options);
  if (typeof (policy as Partial<BackoffPolicy>).start !== 'function') {
    // Earlier versions took a bare Effect Schedule here. Reading one needs `effect`, which this
    // entry no longer loads, so the error says where the adapter went.
    throw new InvalidArgumentError(
      EFFECT_SCHEDULE in Object(policy)
        ? 'policy is an Effect Schedule: wrap it with fromSchedule from @porta/reliability/effect'
        : `policy must be a BackoffPolicy (an object with start()), got ${typeof policy}`,
    );
  }
  return policy;
}

/** Effect brands every Schedule with this registered symbol (its `ScheduleTypeId`). */
const EFFECT_SCHEDULE = Symbol.for('effect/Schedule');

/**
 * Retries a request with exponential backoff, the course's `udp_remote.py` client as an operator.
 *
 * Apply it to an Observable that performs **one attempt** (sends the request and waits for the
 * reply). It subscribes, and if no value arrives within the attempt's wait it unsubscribes and
 * subscribes again with the next wait. The first value ends the timing: it and everything after it
 * pass through. When the policy gives up, the result errors with `ServerUnreachableError`
 * (`SERVER_UNREACHABLE`), carrying the attempts made and the time spent.
 *
 * Defaults: waits of 100, 200, 400, 800 and 1600 ms, five sends, give up after about 3.1 s. An
 * error from the source passes through unless `retryOn` accepts it. Unsubscribing cancels the
 * attempt in flight and its timer.
 *
 * @example
 * ```ts
 * defer(() => socket.send(data, server).pipe(switchMap(() => firstReply$)))
 *   .pipe(retryBackoff({ onAttempt: ({ waitMs }) => console.log(`Waiting ${waitMs / 1000} seconds`) }))
 *   .subscribe({ next: show, error: (e) => console.error(e.message) }); // "the server appears to be down…"
 * ```
 */
export function retryBackoff<T>(options: RetryBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const policy = resolvePolicy(options);
  const scheduler = options.scheduler ?? asyncScheduler;
  const retryOn = options.retryOn ?? (() => false);

  return (source) =>
    new Observable<T>((subscriber) => {
      const run = policy.start();
      const started = scheduler.now();
      const waits: number[] = [];
      let attempt = 0;
      let answered = false;
      let inner: Subscription | undefined;
      let timer: Subscription | undefined;
      let failure: unknown;
      let failed = false;

      const elapsed = () => scheduler.now() - started;

      const giveUp = () => {
        const where = options.target === undefined ? '' : ` from ${options.target}`;
        const ms = elapsed();
        subscriber.error(
          new ServerUnreachableError(
            `the server appears to be down: no answer${where} after ${attempt} attempt${attempt === 1 ? '' : 's'} ` +
              `in ${ms} ms (waits ${waits.map((w) => Math.round(w)).join(', ')} ms)`,
            attempt,
            ms,
          ),
        );
      };

      const launch = (wait: number) => {
        attempt += 1;
        waits.push(wait);
        failed = false;
        failure = undefined;
        timer = scheduler.schedule(expire, wait);
        inner = source.subscribe({
          next: (value) => {
            if (!answered) {
              answered = true;
              timer?.unsubscribe();
              timer = undefined;
            }
            subscriber.next(value);
          },
          error: (error: unknown) => {
            if (!answered && retryOn(error, attempt)) {
              failed = true;
              failure = error;
            } else {
              subscriber.error(error);
            }
          },
          complete: () => subscriber.complete(),
        });
      };

      function expire() {
        timer = undefined;
        inner?.unsubscribe();
        inner = undefined;
        const timedOut = attempt;
        const waitMs = waits[waits.length - 1] ?? 0;
        const info: TimeoutInfo = failed
          ? { attempt: timedOut, waitMs, elapsedMs: elapsed(), error: failure }
          : { attempt: timedOut, waitMs, elapsedMs: elapsed() };
        options.onTimeout?.(info);
        if (subscriber.closed) return;
        const next = run.next({ attempt: timedOut + 1, elapsedMs: elapsed(), now: scheduler.now() });
        if (next === undefined) {
          giveUp();
          return;
        }
        const base = { attempt: timedOut + 1, waitMs: next, elapsedMs: elapsed() };
        options.onRetry?.(
          failed ? { ...base, reason: 'error', error: failure } : { ...base, reason: 'timeout' },
        );
        options.onAttempt?.(base);
        if (!subscriber.closed) launch(next);
      }

      const first = run.next({ attempt: 1, elapsedMs: 0, now: started });
      if (first === undefined) {
        giveUp();
      } else {
        options.onAttempt?.({ attempt: 1, waitMs: first, elapsedMs: 0 });
        launch(first);
      }

      return () => {
        timer?.unsubscribe();
        inner?.unsubscribe();
      };
    });
}
