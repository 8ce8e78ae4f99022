import { InvalidArgumentError } from '@porta/core';
import { Effect, type Schedule, ScheduleDecision, ScheduleIntervals } from 'effect';
import type { BackoffPolicy, BackoffRun } from './backoffPolicy.js';

/**
 * Options of {@link fromSchedule}.
 *
 * @example
 * ```ts
 * import { Schedule } from 'effect';
 * fromSchedule(Schedule.spaced('200 millis').pipe(Schedule.intersect(Schedule.recurs(3))), { finalWaitMs: 1_000 });
 * ```
 */
export interface FromScheduleOptions {
  /**
   * How long the last attempt (the one made after the schedule's last delay) waits for its answer
   * before giving up: a `Schedule` says when to retry, not how long to listen after the final
   * retry. Default: twice the schedule's last delay (the course's doubling), or 1000 ms when the
   * schedule allowed no retry at all.
   */
  readonly finalWaitMs?: number;
}

/**
 * Uses an Effect `Schedule` as a retry policy, with `Effect.retry`'s meaning: the request is sent,
 * and each delay the schedule produces is both how long to wait for an answer and the pause before
 * the next send; when the schedule is done, the last attempt gets {@link FromScheduleOptions.finalWaitMs}
 * and then the request gives up. So `recurs(4)` means four retries, five sends, as in Effect.
 *
 * The schedule is stepped purely (`Effect.runSync` of its `step`), on the retry operator's clock,
 * so it runs in virtual time. It must not need services or asynchrony; its input is `undefined`.
 *
 * @example
 * ```ts
 * import { Schedule } from 'effect';
 * // The course: waits 100, 200, 400, 800 ms, then 1600 ms for the fifth send, then give up.
 * const course = fromSchedule(Schedule.exponential('100 millis').pipe(Schedule.intersect(Schedule.recurs(4))));
 * request$.pipe(retryBackoff({ policy: course }));
 * ```
 */
export function fromSchedule(
  schedule: Schedule.Schedule<unknown, unknown, never>,
  options: FromScheduleOptions = {},
): BackoffPolicy {
  const finalWait = options.finalWaitMs;
  if (finalWait !== undefined && !(finalWait > 0 && Number.isFinite(finalWait))) {
    throw new InvalidArgumentError(`finalWaitMs must be a positive number, got ${String(finalWait)}`);
  }
  return {
    start(): BackoffRun {
      let state: unknown = schedule.initial;
      let last: number | undefined;
      let done = false;
      return {
        next({ now }) {
          if (done) return undefined;
          const [nextState, , decision] = Effect.runSync(schedule.step(now, undefined, state));
          state = nextState;
          if (ScheduleDecision.isDone(decision)) {
            done = true;
            return finalWait ?? (last === undefined ? 1000 : last * 2);
          }
          last = Math.max(0, ScheduleIntervals.start(decision.intervals) - now);
          return last;
        },
      };
    },
  };
}
