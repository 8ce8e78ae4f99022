import { memoryTransport } from '@porta/core/testing';
import {
  concat,
  concatWith,
  from,
  map,
  NEVER,
  Observable,
  of,
  type SchedulerAction,
  type SchedulerLike,
  Subject,
  Subscription,
  scan,
  throwError,
  timer,
  VirtualTimeScheduler,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { resolveSupervision } from '../src/actor/supervision.js';
import { type Behaviour, type SupervisionStrategy, serve } from '../src/index.js';
import type { PeerLink, TransportEvent, TransportPlugin } from '../src/transport/index.js';
import { advanceTo, bytes, record, text } from './actor-support.js';

class Boom extends Error {
  constructor(what: string) {
    super(`boom on ${what}`);
  }
}

/** Echoes, but fails on a message `boom` (an error thrown inside the stream). */
const fragileEcho: Behaviour = (peer) =>
  peer.messages.pipe(
    map((m) => {
      if (text(m).startsWith('boom')) throw new Boom(text(m));
      return m;
    }),
  );

describe('per-peer isolation', () => {
  it.each<SupervisionStrategy>([
    'stop',
    'restart',
    'resume',
  ])('one actor fails under %s: that peer gets its outcome, every other peer keeps being served, losing nothing', (strategy) => {
    const t = memoryTransport();
    const r = record(
      serve(
        t,
        (peer) =>
          peer.handle((m) => {
            if (text(m) === 'boom') throw new Boom(peer.id);
            return of(m);
          }),
        { supervision: strategy },
      ),
    );
    const [a, b, c] = [t.connect(), t.connect(), t.connect()];
    if (a === undefined || b === undefined || c === undefined) throw new Error('unreachable');
    for (let i = 0; i < 5; i++) {
      b.send(`b${i}`);
      // Under stop, a's link is closed after its failure: a real client would see its socket closed.
      if (!a.closed) a.send(i === 2 ? 'boom' : `a${i}`);
      c.send(`c${i}`);
    }
    const expected = (p: string) => Array.from({ length: 5 }, (_, i) => `${p}${i}`);
    expect(b.receivedText()).toEqual(expected('b'));
    expect(c.receivedText()).toEqual(expected('c'));
    const failed = r.ofType('failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ peer: { id: a.link.id }, outcome: strategy });
    if (strategy === 'stop') {
      expect(a.receivedText()).toEqual(['a0', 'a1']);
      expect(a.closed).toBe(true);
      expect(r.ofType('closed')).toEqual([
        expect.objectContaining({ reason: 'failed', peer: expect.objectContaining({ id: a.link.id }) }),
      ]);
    } else {
      expect(a.receivedText()).toEqual(['a0', 'a1', 'a3', 'a4']);
      expect(a.closed).toBe(false);
      expect(r.ofType(strategy === 'restart' ? 'restarted' : 'resumed')).toHaveLength(1);
    }
    expect([b.closed, c.closed]).toEqual([false, false]);
    r.sub.unsubscribe();
  });

  it('a behaviour that throws before returning its Observable is supervised like any failure', () => {
    const t = memoryTransport();
    let runs = 0;
    const r = record(
      serve(
        t,
        (peer) => {
          runs++;
          if (peer.restarts === 0) throw new Boom('start');
          return peer.messages;
        },
        { supervision: 'restart' },
      ),
    );
    const client = t.connect();
    client.send('after restart');
    expect(runs).toBe(2);
    expect(client.receivedText()).toEqual(['after restart']);
    expect(r.types().slice(1)).toEqual(['opened', 'failed', 'restarted']);
    r.sub.unsubscribe();
  });

  it('a failed send goes to supervision', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.messages, { supervision: 'stop' }));
    const client = t.connect();
    client.link.end(); // the server side may no longer send: the next send errors
    client.send('x');
    expect(r.ofType('failed')[0]?.error).toMatchObject({ code: 'SOCKET_CLOSED' });
    expect(client.closed).toBe(true);
    r.sub.unsubscribe();
  });

  it('a send that fails after the run that emitted it was restarted still goes to supervision', () => {
    const t = memoryTransport();
    const r = record(
      serve(
        t,
        // The first run emits a reply and fails while that reply is still being sent.
        (peer) =>
          peer.restarts === 0
            ? concat(
                of(bytes('hello')),
                throwError(() => new Boom('run 0')),
              )
            : peer.messages,
        { supervision: 'restart' },
      ),
    );
    const client = t.connect({ sends: 'manual' });
    expect(client.pendingSends).toBe(1);
    expect(r.ofType('failed')).toHaveLength(1);
    // The link drops with the reply in flight: that failure must not vanish with the old run.
    client.link.close();
    const failed = r.ofType('failed');
    expect(failed).toHaveLength(2);
    expect(failed[1]?.error).toMatchObject({ code: 'SOCKET_CLOSED' });
    expect(r.stats()).toMatchObject({ failed: 2, messagesOut: 0 });
    r.sub.unsubscribe();
  });
});

describe('restart', () => {
  it('runs the behaviour again with fresh state and keeps the waiting messages', () => {
    const t = memoryTransport();
    const r = record(
      serve(
        t,
        (peer) =>
          peer.messages.pipe(
            scan((count, m) => {
              if (text(m) === 'boom') throw new Boom('count');
              return count + 1;
            }, 0),
            map((count) => bytes(`${peer.restarts}:${count}`)),
          ),
        { supervision: 'restart' },
      ),
    );
    const client = t.connect({ sends: 'manual' });
    for (const m of ['x', 'x', 'boom', 'x', 'x']) client.send(m);
    while (client.completeSends(1) > 0) {}
    expect(client.receivedText()).toEqual(['0:1', '0:2', '1:1', '1:2']);
    expect(r.ofType('restarted')).toEqual([expect.objectContaining({ restarts: 1 })]);
    r.sub.unsubscribe();
  });

  it('stops after maxRestarts within withinMs (virtual time)', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, fragileEcho, {
        supervision: { strategy: 'restart', maxRestarts: 2, withinMs: 1000 },
        scheduler,
      }),
    );
    const client = t.connect();
    client.send('boom 1');
    advanceTo(scheduler, 100);
    client.send('boom 2');
    advanceTo(scheduler, 200);
    client.send('ok');
    client.send('boom 3');
    expect(client.receivedText()).toEqual(['ok']);
    expect(client.closed).toBe(true);
    expect(
      r.events.filter((e) => e.type !== 'listening' && e.type !== 'opened').map((e) => [e.type, e.at]),
    ).toEqual([
      ['failed', 0],
      ['restarted', 0],
      ['failed', 100],
      ['restarted', 100],
      ['failed', 200],
      ['closed', 200],
    ]);
    expect(r.ofType('failed').map((e) => e.outcome)).toEqual(['restart', 'restart', 'stop']);
    expect(r.stats()).toMatchObject({ failed: 3, restarted: 2, closed: 1 });
    r.sub.unsubscribe();
  });

  it('counts restarts in a sliding window', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, fragileEcho, {
        supervision: { strategy: 'restart', maxRestarts: 2, withinMs: 1000 },
        scheduler,
      }),
    );
    const client = t.connect();
    client.send('boom');
    advanceTo(scheduler, 100);
    client.send('boom');
    advanceTo(scheduler, 1000); // the restart at 0 has left the window
    client.send('boom');
    expect(client.closed).toBe(false);
    advanceTo(scheduler, 1099); // 100 and 1000 are both still in it
    client.send('boom');
    expect(client.closed).toBe(true);
    expect(r.ofType('failed').map((e) => [e.outcome, e.at])).toEqual([
      ['restart', 0],
      ['restart', 100],
      ['restart', 1000],
      ['stop', 1099],
    ]);
    r.sub.unsubscribe();
  });
});

describe('resume', () => {
  it('drops the failing message and keeps the state of a handle() actor', () => {
    const t = memoryTransport();
    const r = record(
      serve(
        t,
        (peer) => {
          let count = 0;
          return peer.handle((m) =>
            text(m) === 'boom' ? throwError(() => new Boom('handle')) : of(bytes(`${++count}:${text(m)}`)),
          );
        },
        { supervision: 'resume' },
      ),
    );
    const client = t.connect();
    for (const m of ['a', 'boom', 'b', 'boom', 'c']) client.send(m);
    expect(client.receivedText()).toEqual(['1:a', '2:b', '3:c']);
    expect(r.ofType('failed').map((e) => e.outcome)).toEqual(['resume', 'resume']);
    expect(r.ofType('resumed')).toHaveLength(2);
    expect(r.stats()).toMatchObject({ failed: 2, resumed: 2, restarted: 0, closed: 0 });
    r.sub.unsubscribe();
  });

  it('acts as restart for the stream form, whose state is gone with its error', () => {
    const t = memoryTransport();
    const r = record(serve(t, fragileEcho, { supervision: 'resume' }));
    const client = t.connect();
    for (const m of ['a', 'boom', 'b']) client.send(m);
    expect(client.receivedText()).toEqual(['a', 'b']);
    expect(r.ofType('failed').map((e) => e.outcome)).toEqual(['restart']);
    expect(r.ofType('restarted')).toHaveLength(1);
    expect(r.ofType('resumed')).toHaveLength(0);
    r.sub.unsubscribe();
  });

  it('under stop, a handle() failure ends the actor', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.handle(() => throwError(() => new Boom('x')))));
    const client = t.connect();
    client.send('x');
    expect(client.closed).toBe(true);
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'failed' });
    r.sub.unsubscribe();
  });
});

describe('handle', () => {
  it('processes one message at a time, in order, releasing the next when the previous output completes', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const started: [string, number][] = [];
    // The first message takes longest: were they concurrent, the replies would come back reordered.
    const delays: Record<string, number> = { m1: 300, m2: 100, m3: 10 };
    const r = record(
      serve(t, (peer) =>
        peer.handle((m) => {
          started.push([text(m), scheduler.now()]);
          return timer(delays[text(m)] ?? 0, scheduler).pipe(map(() => bytes(`${text(m)} done`)));
        }),
      ),
    );
    const client = t.connect();
    client.send('m1');
    client.send('m2');
    client.send('m3');
    expect(started).toEqual([['m1', 0]]);
    scheduler.flush();
    expect(started).toEqual([
      ['m1', 0],
      ['m2', 300],
      ['m3', 400],
    ]);
    expect(client.receivedText()).toEqual(['m1 done', 'm2 done', 'm3 done']);
    r.sub.unsubscribe();
  });

  it('accepts any ObservableInput: arrays, promises, several replies per message', async () => {
    const t = memoryTransport();
    const r = record(
      serve(t, (peer) =>
        peer.handle((m) => (text(m) === 'twice' ? [m, m] : Promise.resolve(bytes(`async ${text(m)}`)))),
      ),
    );
    const client = t.connect();
    client.send('twice');
    client.send('later');
    client.send('twice');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(client.receivedText()).toEqual(['twice', 'twice', 'async later', 'twice', 'twice']);
    r.sub.unsubscribe();
  });

  it('completes when the peer ends and the last message is processed', () => {
    const t = memoryTransport();
    const pending = new Subject<Uint8Array>();
    const r = record(serve(t, (peer) => peer.handle((m) => (text(m) === 'slow' ? pending : from([m])))));
    const client = t.connect();
    client.send('slow');
    client.send('fast');
    client.end();
    expect(client.closed).toBe(false);
    pending.next(bytes('slow done'));
    pending.complete();
    expect(client.receivedText()).toEqual(['slow done', 'fast']);
    expect(client.closed).toBe(true);
    expect(r.ofType('closed')[0]?.reason).toBe('completed');
    r.sub.unsubscribe();
  });

  it('a stale peer from a failed run has nothing to read', () => {
    const t = memoryTransport();
    const peers: Observable<Uint8Array>[] = [];
    const r = record(
      serve(
        t,
        (peer) => {
          peers.push(peer.messages);
          return fragileEcho(peer);
        },
        { supervision: 'restart' },
      ),
    );
    const client = t.connect();
    client.send('boom');
    let completed = false;
    peers[0]?.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
    client.send('still served');
    expect(client.receivedText()).toEqual(['still served']);
    r.sub.unsubscribe();
  });
});

describe('resolveSupervision', () => {
  it('defaults to stop, 3 restarts within 60 s, and checks its input', () => {
    expect(resolveSupervision()).toEqual({ strategy: 'stop', maxRestarts: 3, withinMs: 60_000 });
    expect(resolveSupervision('restart').strategy).toBe('restart');
    expect(() => resolveSupervision({ maxRestarts: -1 })).toThrow(/maxRestarts/);
    expect(() => resolveSupervision({ withinMs: 0 })).toThrow(/withinMs/);
  });
});

/** A scheduler stepped by hand: a virtual one would flush endless turns in one go. */
function handScheduler(): { turns: (() => void)[]; scheduler: SchedulerLike } {
  const turns: (() => void)[] = [];
  const scheduler: SchedulerLike = {
    now: () => 0,
    schedule(work: (this: SchedulerAction<unknown>, state?: unknown) => void) {
      const sub = new Subscription();
      turns.push(() => {
        if (!sub.closed) work.call(sub as unknown as SchedulerAction<unknown>);
      });
      return sub;
    },
  };
  return { turns, scheduler };
}

describe('restart loops', () => {
  it('a behaviour that always throws at once is restarted in a loop, not recursively, then stopped', () => {
    const t = memoryTransport();
    let runs = 0;
    const r = record(
      serve(
        t,
        () => {
          runs++;
          throw new Boom('start');
        },
        // Virtual time stands still, so every restart stays inside the window.
        {
          supervision: { strategy: 'restart', maxRestarts: 20_000, withinMs: 1_000 },
          scheduler: new VirtualTimeScheduler(),
        },
      ),
    );
    const client = t.connect();
    expect(runs).toBe(20_001);
    expect(client.closed).toBe(true);
    expect(r.stats()).toMatchObject({ restarted: 20_000, failed: 20_001, closed: 1 });
    r.sub.unsubscribe();
  });

  it('with maxRestarts Infinity, a behaviour that always fails at once restarts once per scheduler turn, and other peers are served', () => {
    const { turns, scheduler } = handScheduler();
    const t = memoryTransport();
    let runs = 0;
    const r = record(
      serve(
        t,
        (peer) => {
          if (peer.id !== t.peers[0]?.link.id) return peer.messages;
          runs++;
          // Without the fix every restart happened inside connect(): it would return only here.
          if (runs < 50_000) throw new Boom('start');
          return peer.messages;
        },
        { supervision: { strategy: 'restart', maxRestarts: Number.POSITIVE_INFINITY }, scheduler },
      ),
    );
    const stormy = t.connect();
    expect(runs).toBe(1);
    const other = t.connect();
    other.send('still served');
    expect(other.receivedText()).toEqual(['still served']);
    for (let i = 0; i < 3; i++) turns.shift()?.();
    expect(runs).toBe(4);
    expect(r.stats()).toMatchObject({ restarted: 4, failed: 4, closed: 0 });
    r.sub.unsubscribe();
    expect(stormy.closed).toBe(true);
    // The pending restart was cancelled with the server: running it does nothing.
    for (const turn of turns.splice(0)) turn();
    expect(runs).toBe(4);
  });

  it('a restart pending on the scheduler is replaced, not doubled, by one a failed send asks for', () => {
    const { turns, scheduler } = handScheduler();
    // A link whose one send the test fails by hand, without closing the link.
    const sends: Subject<void>[] = [];
    const link: PeerLink = {
      id: 'hand:1',
      local: { address: '127.0.0.1', port: 1, family: 'IPv4' },
      remote: { address: '127.0.0.1', port: 2, family: 'IPv4' },
      inbound: NEVER,
      send: () => {
        const done = new Subject<void>();
        sends.push(done);
        return done;
      },
      end: () => {},
      close: () => {},
    };
    const transport: TransportPlugin = {
      name: 'hand',
      open: () => {
        const events: TransportEvent[] = [
          { type: 'listening', local: link.local },
          { type: 'peer', link },
        ];
        return from(events).pipe(concatWith(NEVER));
      },
    };
    const live: number[] = [];
    let runs = 0;
    const r = record(
      serve(
        transport,
        () => {
          const run = runs++;
          // Run 0 emits a reply, then fails while starting: its restart waits for a turn.
          if (run === 0)
            return concat(
              of(bytes('hello')),
              throwError(() => new Boom('run 0')),
            );
          return new Observable<Uint8Array>(() => {
            live.push(run);
            return () => live.splice(live.indexOf(run), 1);
          });
        },
        { supervision: { strategy: 'restart', maxRestarts: Number.POSITIVE_INFINITY }, scheduler },
      ),
    );
    expect(runs).toBe(1);
    sends[0]?.error(new Error('send failed')); // a failure outside any start: restarts at once
    expect(runs).toBe(2);
    for (const turn of turns.splice(0)) turn();
    // One run alive, not two: the pending restart was cancelled by the one that happened.
    expect(runs).toBe(2);
    expect(live).toEqual([1]);
    expect(r.stats()).toMatchObject({ restarted: 2, failed: 2 });
    r.sub.unsubscribe();
    expect(live).toEqual([]);
  });
});
