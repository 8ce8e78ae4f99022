import type { Observable, VirtualTimeScheduler } from 'rxjs';

/**
 * The result of {@link SimNetwork.run}.
 *
 * @example
 * ```ts
 * const { values, completed, elapsedMs } = net.run(request$);
 * ```
 */
export interface SimRunResult<T> {
  readonly values: T[];
  readonly completed: boolean;
  /** The error the source ended with, if it did. */
  readonly error?: unknown;
  /** Virtual milliseconds from the start of the run to its end. */
  readonly elapsedMs: number;
}

/**
 * Runs a virtual-time scheduler's clock up to `target`, running every action due by then (those
 * they schedule too, if due), and leaves later actions waiting with the clock at `target`.
 *
 * @example
 * ```ts
 * const clock = new SimScheduler();
 * timer(500, clock).subscribe(() => console.log('fired'));
 * advanceVirtualTime(clock, 499); // nothing yet
 * advanceVirtualTime(clock, 500); // fired
 * ```
 */
export function advanceVirtualTime(scheduler: VirtualTimeScheduler, target: number): void {
  const saved = scheduler.maxFrames;
  scheduler.maxFrames = target;
  try {
    scheduler.flush();
  } finally {
    scheduler.maxFrames = saved;
  }
  if (scheduler.frame < target) scheduler.frame = target;
}

/**
 * Subscribes to `source`, runs `scheduler`'s virtual time until it completes or errors (or nothing
 * is left to run, or `timeLimitMs` of virtual time have passed — default one hour), then
 * unsubscribes it and returns what it emitted. {@link SimNetwork.run} is this on the network's
 * scheduler; tests of anything timed on a `VirtualTimeScheduler` can use it directly.
 *
 * @example
 * ```ts
 * const clock = new SimScheduler();
 * const { values, completed, elapsedMs } = runInVirtualTime(clock, timer(1_500, clock)); // [0], true, 1500
 * ```
 */
export function runInVirtualTime<T>(
  scheduler: VirtualTimeScheduler,
  source: Observable<T>,
  options: { readonly timeLimitMs?: number } = {},
): SimRunResult<T> {
  const start = scheduler.frame;
  const limit = start + (options.timeLimitMs ?? 3_600_000);
  const values: T[] = [];
  let done = false;
  let completed = false;
  let error: unknown;
  let failed = false;
  const subscription = source.subscribe({
    next: (v) => values.push(v),
    error: (e: unknown) => {
      done = true;
      failed = true;
      error = e;
    },
    complete: () => {
      done = true;
      completed = true;
    },
  });
  try {
    while (!done) {
      const next = scheduler.actions[0];
      if (next === undefined || next.delay > limit) break;
      advanceVirtualTime(scheduler, next.delay);
    }
  } finally {
    subscription.unsubscribe();
  }
  const elapsedMs = scheduler.frame - start;
  return failed ? { values, completed, error, elapsedMs } : { values, completed, elapsedMs };
}
