import { memoryTransport } from '@porta/core/testing';
import { map, NEVER, type SchedulerLike, timer, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Behaviour, serve } from '../src/index.js';
import { advanceTo, bytes, liveTimers, record, text } from './actor-support.js';

const echo: Behaviour = (peer) => peer.messages;

describe('idle retirement (virtual time)', () => {
  it('retires an actor with no inbound message for idleTimeoutMs, counting from the last one', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, echo, { idleTimeoutMs: 1000, scheduler }));
    const client = t.connect();
    advanceTo(scheduler, 500);
    client.send('still here');
    advanceTo(scheduler, 1499);
    expect(client.closed).toBe(false);
    advanceTo(scheduler, 1500);
    expect(client.closed).toBe(true);
    expect(r.events.slice(-2).map((e) => [e.type, e.at])).toEqual([
      ['idle', 1500],
      ['closed', 1500],
    ]);
    expect(r.ofType('idle')[0]).toMatchObject({ idleMs: 1000, peer: { id: client.link.id } });
    expect(r.ofType('closed')[0]?.reason).toBe('idle');
    expect(r.stats()).toMatchObject({ idle: 1, closed: 1, active: 0 });
    expect(liveTimers(scheduler)).toBe(0);
    r.sub.unsubscribe();
  });

  it('keeps each peer on its own clock', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, echo, { idleTimeoutMs: 1000, scheduler }));
    const quiet = t.connect();
    const chatty = t.connect();
    for (let time = 400; time <= 2000; time += 400) {
      advanceTo(scheduler, time);
      chatty.send(`${time}`);
    }
    expect(quiet.closed).toBe(true);
    expect(chatty.closed).toBe(false);
    expect(r.ofType('idle').map((e) => [e.peer.id, e.at])).toEqual([[quiet.link.id, 1000]]);
    r.sub.unsubscribe();
  });

  it('runs every idle clock on one timer, which messages do not re-arm', () => {
    const clock = new VirtualTimeScheduler();
    let scheduled = 0;
    const scheduler: SchedulerLike = {
      now: () => clock.now(),
      schedule: (work, delay, state) => {
        scheduled++;
        return clock.schedule(work as never, delay, state);
      },
    };
    const t = memoryTransport();
    const r = record(serve(t, echo, { idleTimeoutMs: 1000, scheduler }));
    const first = t.connect();
    advanceTo(clock, 300);
    const second = t.connect();
    const chatty = t.connect();
    expect(liveTimers(clock)).toBe(1);
    const before = scheduled;
    for (let time = 301; time <= 2900; time++) {
      advanceTo(clock, time);
      chatty.send(`${time}`);
    }
    // Two peers retired on their own clocks, the chatty one never; the timer fired a handful of
    // times (per deadline), not once per one of the 2,600 messages.
    expect(r.ofType('idle').map((e) => [e.peer.id, e.at])).toEqual([
      [first.link.id, 1000],
      [second.link.id, 1300],
    ]);
    expect(chatty.closed).toBe(false);
    expect(scheduled - before).toBeLessThanOrEqual(6);
    advanceTo(clock, 3900);
    expect(chatty.closed).toBe(true);
    expect(r.ofType('idle').at(-1)?.at).toBe(3900);
    expect(liveTimers(clock)).toBe(0);
    r.sub.unsubscribe();
  });

  it('does not retire an actor busy on a message, nor one whose reply is still being sent', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, (peer) => peer.handle((m) => timer(5000, scheduler).pipe(map(() => bytes(`${text(m)}!`)))), {
        idleTimeoutMs: 1000,
        scheduler,
      }),
    );
    const client = t.connect({ sends: 'manual' });
    client.send('work');
    advanceTo(scheduler, 4999);
    expect(client.closed).toBe(false);
    advanceTo(scheduler, 8000); // the reply was emitted at 5000 and its send is still pending
    expect(client.closed).toBe(false);
    expect(client.pendingSends).toBe(1);
    client.completeSends();
    advanceTo(scheduler, 8999);
    expect(client.closed).toBe(false);
    advanceTo(scheduler, 9000);
    expect(client.closed).toBe(true);
    expect(client.receivedText()).toEqual(['work!']);
    r.sub.unsubscribe();
  });

  it('never retires anyone without idleTimeoutMs', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(serve(t, () => NEVER, { scheduler }));
    const client = t.connect();
    expect(liveTimers(scheduler)).toBe(0);
    advanceTo(scheduler, 1e9);
    expect(client.closed).toBe(false);
    r.sub.unsubscribe();
  });
});

describe('unsubscribe', () => {
  it('closes every link and leaves no timer behind', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, echo, {
        idleTimeoutMs: 1000,
        supervision: { strategy: 'restart', withinMs: 5000 },
        scheduler,
      }),
    );
    const peers = [t.connect(), t.connect({ sends: 'manual' }), t.connect({ canPause: false })];
    peers[1]?.send('in flight');
    peers[2]?.send('echoed');
    expect(liveTimers(scheduler)).toBe(1); // one sweep timer for the two idle peers
    r.sub.unsubscribe();
    expect(peers.every((p) => p.closed)).toBe(true);
    expect(liveTimers(scheduler)).toBe(0);
    expect(t.isOpen).toBe(false);
    const before = r.events.length;
    advanceTo(scheduler, 10_000);
    expect(r.events).toHaveLength(before); // nothing fires after the end
  });
});
