import { memoryTransport } from '@porta/core/testing';
import fc from 'fast-check';
import { map, NEVER, type Observable, of, throwError, timer, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type OverflowStrategy, type ServerStats, type SupervisionStrategy, serve } from '../src/index.js';
import { advanceTo, record, text } from './actor-support.js';

/** Every inbound message ends one way: answered, dropped, undelivered or unsent. */
function accounted(stats: ServerStats): number {
  return stats.messagesOut + stats.dropped + stats.undelivered + stats.unsent;
}

describe('a message being handled is accounted for', () => {
  it('peer.handle(() => NEVER), three messages, unsubscribe: all three undelivered (the one in hand too)', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.handle(() => NEVER)));
    const client = t.connect();
    for (const m of ['a', 'b', 'c']) client.send(m);
    r.sub.unsubscribe();
    const stats = r.stats();
    expect(stats?.messagesIn).toBe(3);
    expect(stats?.undelivered).toBe(3);
  });

  it('the closed event counts the message in hand as undelivered', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.handle(() => NEVER), { idleTimeoutMs: 1_000 }));
    const client = t.connect();
    client.send('a');
    client.send('b');
    client.fail(new Error('reset'));
    const closed = r.ofType('closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.undelivered).toBe(2);
    r.sub.unsubscribe();
  });

  it('a message whose handler fails is undelivered, under every supervision strategy', () => {
    for (const strategy of ['stop', 'restart', 'resume'] as const) {
      const t = memoryTransport();
      const r = record(
        serve(
          t,
          (peer) => peer.handle((m) => (text(m) === 'bad' ? throwError(() => new Error('no')) : of(m))),
          {
            supervision: { strategy, maxRestarts: 5 },
          },
        ),
      );
      const client = t.connect();
      for (const m of ['ok', 'bad', 'ok']) if (!client.closed) client.send(m);
      r.sub.unsubscribe();
      const stats = r.stats() as ServerStats;
      expect(stats.messagesIn, strategy).toBe(strategy === 'stop' ? 2 : 3);
      expect(accounted(stats), strategy).toBe(stats.messagesIn);
      expect(stats.undelivered, strategy).toBeGreaterThanOrEqual(1);
    }
  });
});

type Answer = 'now' | 'later' | 'never' | 'throw';
type Step =
  | { kind: 'send'; answer: Answer }
  | { kind: 'tick'; ms: number }
  | { kind: 'complete'; count: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom<Answer>('now', 'later', 'later', 'never', 'throw')
      .map<Step>((answer) => ({ kind: 'send', answer })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 50 }).map<Step>((ms) => ({ kind: 'tick', ms })) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 4 }).map<Step>((count) => ({ kind: 'complete', count })),
  },
);

describe('messagesIn = messagesOut + dropped + undelivered + unsent (property, peer.handle answering once)', () => {
  it('holds at every event while the server runs (≥) and exactly once every actor is closed', () => {
    fc.assert(
      fc.property(
        fc.record({
          capacity: fc.integer({ min: 1, max: 5 }),
          overflow: fc.constantFrom<OverflowStrategy>('backpressure', 'drop-oldest', 'drop-newest', 'fail'),
          supervision: fc.constantFrom<SupervisionStrategy>('stop', 'restart', 'resume'),
          canPause: fc.boolean(),
          manualSends: fc.boolean(),
          steps: fc.array(step, { maxLength: 40 }),
          ending: fc.constantFrom('unsubscribe', 'end', 'fail'),
        }),
        ({ capacity, overflow, supervision, canPause, manualSends, steps, ending }) => {
          const scheduler = new VirtualTimeScheduler();
          const answers = new Map<string, Answer>();
          const answer = (m: Uint8Array): Observable<Uint8Array> => {
            switch (answers.get(text(m))) {
              case 'now':
                return of(m);
              case 'later':
                return timer(10, scheduler).pipe(map(() => m));
              case 'throw':
                return throwError(() => new Error('handler failed'));
              default:
                return NEVER;
            }
          };
          const t = memoryTransport();
          const r = record(
            serve(t, (peer) => peer.handle(answer), {
              mailbox: { capacity, overflow },
              supervision: { strategy: supervision, maxRestarts: 3 },
              scheduler,
            }),
          );
          const client = t.connect({ canPause, sends: manualSends ? 'manual' : 'sync' });
          let sent = 0;
          for (const s of steps) {
            if (client.closed) break;
            if (s.kind === 'send') {
              const m = `m${sent++}`;
              answers.set(m, s.answer);
              client.send(m);
            } else if (s.kind === 'tick') advanceTo(scheduler, scheduler.now() + s.ms);
            else client.completeSends(s.count);
          }
          for (const e of r.events) expect(e.stats.messagesIn).toBeGreaterThanOrEqual(accounted(e.stats));
          if (ending === 'end') client.end();
          if (ending === 'fail') client.fail(new Error('reset'));
          advanceTo(scheduler, scheduler.now() + 100);
          while (client.completeSends(1) > 0) {}
          r.sub.unsubscribe();
          const stats = r.stats() as ServerStats;
          expect(stats.active).toBe(0);
          expect(accounted(stats)).toBe(stats.messagesIn);
        },
      ),
      { numRuns: 400 },
    );
  });
});
