/**
 * Effect interop for `@porta/reliability`, in a subpath of its own so that `effect` stays an
 * optional peer dependency: only code that imports `@porta/reliability/effect` loads it.
 *
 * @example
 * ```ts
 * import { retryBackoff } from '@porta/reliability';
 * import { fromSchedule } from '@porta/reliability/effect';
 * import { Schedule } from 'effect';
 *
 * const course = fromSchedule(Schedule.exponential('100 millis').pipe(Schedule.intersect(Schedule.recurs(4))));
 * request$.pipe(retryBackoff({ policy: course }));
 * ```
 * @module
 */
export * from './retry/fromSchedule.js';
