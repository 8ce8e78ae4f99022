import { memoryTransport } from '@porta/core/testing';
import { interval, map, range, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Behaviour, InvalidArgumentError, isPortaError, serve } from '../src/index.js';
import { advanceTo, bytes, liveTimers, record } from './actor-support.js';

/** A broadcast every 10 ms of virtual time, whatever the peer does: it never reads a message. */
const ticker =
  (scheduler: VirtualTimeScheduler): Behaviour =>
  () =>
    interval(10, scheduler).pipe(map((n) => bytes(`tick ${n}`)));

describe('reply queue bound (maxPendingReplies)', () => {
  it('fails the actor once maxPendingReplies replies wait for a send that never completes (stop)', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, ticker(scheduler), { maxPendingReplies: 5, scheduler }));
    const client = t.connect({ sends: 'manual' });
    // Ticks at 10..50 fill the queue: one in flight, four queued.
    advanceTo(scheduler, 50);
    expect(client.pendingSends).toBe(1);
    expect(client.closed).toBe(false);
    expect(r.ofType('failed')).toEqual([]);
    // The sixth tick finds five pending.
    advanceTo(scheduler, 60);
    const failed = r.ofType('failed');
    expect(failed).toHaveLength(1);
    const error = failed[0]?.error;
    expect(isPortaError(error, 'MAILBOX_OVERFLOW')).toBe(true);
    expect((error as Error).message).toMatch(
      /^reply queue full: 5 replies to memory:.+ServeOptions\.maxPendingReplies/,
    );
    expect(failed[0]).toMatchObject({ outcome: 'stop', at: 60 });
    const closed = r.ofType('closed');
    expect(closed).toHaveLength(1);
    // 5 pending when it closed (4 queued + 1 in flight), plus the refused sixth.
    expect(closed[0]).toMatchObject({ reason: 'failed', unsent: 5, error });
    expect(client.closed).toBe(true);
    expect(r.stats()).toMatchObject({ failed: 1, closed: 1, active: 0, unsent: 6, messagesOut: 0 });
    // The timer went with the behaviour.
    expect(liveTimers(scheduler)).toBe(0);
    r.sub.unsubscribe();
  });

  it('defaults to 1024 pending replies', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, ticker(scheduler), { scheduler }));
    t.connect({ sends: 'manual' });
    advanceTo(scheduler, 10 * 1024);
    expect(r.ofType('failed')).toEqual([]);
    advanceTo(scheduler, 10 * 1025);
    expect(r.ofType('failed')).toHaveLength(1);
    expect(r.stats()?.unsent).toBe(1025);
    r.sub.unsubscribe();
  });

  it('goes through supervision: restart keeps the queue, the run fails again until maxRestarts stops it', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, ticker(scheduler), {
        maxPendingReplies: 3,
        supervision: { strategy: 'restart', maxRestarts: 2, withinMs: 10_000 },
        scheduler,
      }),
    );
    const client = t.connect({ sends: 'manual' });
    advanceTo(scheduler, 1000);
    expect(r.ofType('failed').map((e) => [e.outcome, e.at])).toEqual([
      ['restart', 40],
      ['restart', 50],
      ['stop', 60],
    ]);
    expect(r.ofType('restarted')).toHaveLength(2);
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'failed', unsent: 3 });
    expect(client.closed).toBe(true);
    expect(r.stats()).toMatchObject({ failed: 3, restarted: 2, unsent: 6 });
    expect(liveTimers(scheduler)).toBe(0);
    r.sub.unsubscribe();
  });

  it('never fails a peer that reads: completed sends free the queue', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, ticker(scheduler), { maxPendingReplies: 2, scheduler }));
    const client = t.connect({ sends: 'manual' });
    for (let time = 10; time <= 1000; time += 10) {
      advanceTo(scheduler, time);
      client.completeSends();
    }
    expect(r.ofType('failed')).toEqual([]);
    expect(client.received).toHaveLength(100);
    r.sub.unsubscribe();
  });

  it('Infinity lifts the bound', () => {
    // 2,000 replies in one burst, not from interval() on a VirtualTimeScheduler: RxJS chains each
    // rescheduled VirtualAction into the one before, so 2,000 ticks unsubscribe 2,000 levels deep
    // (a RangeError on Node 22's stack) — a property of the test scheduler, not of serve.
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const burst: Behaviour = () => range(0, 2000).pipe(map((n) => bytes(`tick ${n}`)));
    const r = record(serve(t, burst, { maxPendingReplies: Number.POSITIVE_INFINITY, scheduler }));
    const client = t.connect({ sends: 'manual' });
    scheduler.flush();
    expect(r.ofType('failed')).toEqual([]);
    client.completeSends();
    expect(client.received).toHaveLength(2000);
    r.sub.unsubscribe();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxPendingReplies %s at call time', (maxPendingReplies) => {
    expect(() => serve(memoryTransport(), (peer) => peer.messages, { maxPendingReplies })).toThrow(
      InvalidArgumentError,
    );
  });
});
