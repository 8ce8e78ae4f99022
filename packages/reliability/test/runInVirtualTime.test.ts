import { interval, NEVER, Observable, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { advanceVirtualTime, runInVirtualTime } from '../src/sim/runInVirtualTime.js';
import { SimScheduler } from '../src/sim/simNetworkScheduler.js';

describe('runInVirtualTime', () => {
  it('runs the clock until the source completes and reports the virtual time it took', () => {
    const clock = new SimScheduler();
    const result = runInVirtualTime(clock, timer(1_500, clock));
    expect(result).toEqual({ values: [0], completed: true, elapsedMs: 1_500 });
    expect(clock.now()).toBe(1_500);
  });

  it('reports the error a source ends with, and the values before it', () => {
    const clock = new SimScheduler();
    const boom = new Error('boom');
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      return timer(20, clock).subscribe(() => subscriber.error(boom));
    });
    const result = runInVirtualTime(clock, source);
    expect(result).toEqual({ values: [1], completed: false, error: boom, elapsedMs: 20 });
    const thrown = runInVirtualTime(
      clock,
      throwError(() => boom),
    );
    expect(thrown.error).toBe(boom);
  });

  it('stops at timeLimitMs and unsubscribes the source, leaving no timer behind', () => {
    const clock = new SimScheduler();
    const result = runInVirtualTime(clock, interval(100, clock), { timeLimitMs: 350 });
    expect(result).toEqual({ values: [0, 1, 2], completed: false, elapsedMs: 300 });
    expect(clock.actions.filter((a) => !a.closed)).toHaveLength(0);
  });

  it('returns at once when nothing is scheduled (a source that never ends on its own)', () => {
    const clock = new SimScheduler();
    expect(runInVirtualTime(clock, NEVER)).toEqual({ values: [], completed: false, elapsedMs: 0 });
  });
});

describe('advanceVirtualTime', () => {
  it('runs what is due by the target, moves the clock to it, and keeps the scheduler limit', () => {
    const clock = new SimScheduler(10_000);
    const fired: number[] = [];
    for (const at of [100, 500, 501]) clock.schedule(() => fired.push(clock.now()), at);
    advanceVirtualTime(clock, 499);
    expect(fired).toEqual([100]);
    expect(clock.now()).toBe(499);
    advanceVirtualTime(clock, 500);
    expect(fired).toEqual([100, 500]);
    expect(clock.maxFrames).toBe(10_000);
  });
});
