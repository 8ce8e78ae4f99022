import { interval, type SchedulerLike, take, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/random.js';
import { SimScheduler } from '../src/sim/simNetworkScheduler.js';

function order(scheduler: SchedulerLike & { flush(): void }): string[] {
  const random = seededRandom(3);
  const log: string[] = [];
  for (let i = 0; i < 300; i++) {
    const delay = Math.floor(random() * 20);
    const sub = scheduler.schedule(() => {
      log.push(`${i}@${scheduler.now()}`);
      // Work scheduled while running, at the same and later times.
      if (i % 7 === 0) scheduler.schedule(() => log.push(`${i}+@${scheduler.now()}`), i % 3);
    }, delay);
    if (i % 11 === 0) sub.unsubscribe();
  }
  interval(5, scheduler)
    .pipe(take(4))
    .subscribe((n) => log.push(`tick${n}@${scheduler.now()}`));
  scheduler.flush();
  return log;
}

describe('SimScheduler', () => {
  it('runs actions in exactly the order VirtualTimeScheduler does (time, then FIFO)', () => {
    const expected = order(new VirtualTimeScheduler());
    expect(expected.length).toBeGreaterThan(250);
    expect(order(new SimScheduler())).toEqual(expected);
  });

  it('stops at maxFrames like VirtualTimeScheduler', () => {
    const scheduler = new SimScheduler(10);
    const log: number[] = [];
    for (const d of [5, 10, 15]) scheduler.schedule(() => log.push(d), d);
    scheduler.flush();
    expect(log).toEqual([5, 10]);
  });
});
