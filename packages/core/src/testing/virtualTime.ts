import type { VirtualTimeScheduler } from 'rxjs';

/**
 * Moves a virtual-time scheduler's clock forward to `time`, running every action due by then (those
 * they schedule too, if due), and leaves later actions waiting.
 *
 * @example
 * ```ts
 * const clock = new VirtualTimeScheduler();
 * const server = serve(transport, behaviour, { idleTimeoutMs: 1_000, scheduler: clock });
 * advanceTo(clock, 999); // not yet idle
 * advanceTo(clock, 1_000); // the idle timer fires
 * ```
 */
export function advanceTo(scheduler: VirtualTimeScheduler, time: number): void {
  scheduler.maxFrames = time;
  scheduler.flush();
  scheduler.frame = Math.max(scheduler.frame, time);
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
}

/**
 * Timers still scheduled (not cancelled) on a virtual-time scheduler: after an unsubscribe, 0 says
 * nothing was left behind.
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * const clock = new VirtualTimeScheduler();
 * const subscription = timer(1_000, clock).subscribe();
 * subscription.unsubscribe();
 * expect(liveTimers(clock)).toBe(0);
 * ```
 */
export function liveTimers(scheduler: VirtualTimeScheduler): number {
  return scheduler.actions.filter((a) => !a.closed).length;
}
