import { memoryTransport } from '@porta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OverflowStrategy, type SupervisionStrategy, serve } from '../src/index.js';
import { record } from './actor-support.js';

type Step = { kind: 'send' } | { kind: 'complete'; count: number } | { kind: 'end' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Step>({ kind: 'send' }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 4 }).map<Step>((count) => ({ kind: 'complete', count })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'end' }) },
);

describe('nothing is lost in silence (property)', () => {
  it('every inbound message is echoed, dropped, undelivered or unsent — and echoes keep their order', () => {
    fc.assert(
      fc.property(
        fc.record({
          capacity: fc.integer({ min: 1, max: 6 }),
          overflow: fc.constantFrom<OverflowStrategy>('backpressure', 'drop-oldest', 'drop-newest', 'fail'),
          supervision: fc.constantFrom<SupervisionStrategy>('stop', 'restart'),
          canPause: fc.boolean(),
          steps: fc.array(step, { maxLength: 60 }),
          shutdown: fc.boolean(),
        }),
        ({ capacity, overflow, supervision, canPause, steps, shutdown }) => {
          const t = memoryTransport();
          const r = record(
            serve(t, (peer) => peer.messages, {
              mailbox: { capacity, overflow },
              supervision: { strategy: supervision, maxRestarts: 2 },
            }),
          );
          const server = r.events[0]?.type === 'listening' ? r.events[0].server : undefined;
          const client = t.connect({ sends: 'manual', canPause });
          let sent = 0;
          for (const s of steps) {
            if (client.closed) break;
            if (s.kind === 'send') {
              try {
                client.send(`m${sent}`);
                sent++;
              } catch {
                // the peer already ended its side
              }
            } else if (s.kind === 'complete') client.completeSends(s.count);
            else client.end();
          }
          if (shutdown) r.sub.unsubscribe();
          else {
            client.end();
            while (client.completeSends(1) > 0) {}
          }
          const stats = shutdown ? (server?.stats() ?? r.events.at(-1)?.stats) : r.stats();
          const received = client.receivedText();
          // Echoes are a subsequence of what was sent, in order.
          const indices = received.map((m) => Number(m.slice(1)));
          expect(indices).toEqual([...indices].sort((a, b) => a - b));
          expect(new Set(indices).size).toBe(indices.length);
          if (!shutdown && stats !== undefined) {
            // Messages held by a paused peer never reached the server: they are the peer's, not lost.
            expect(stats.messagesIn + client.held).toBeLessThanOrEqual(sent);
            expect(received.length + stats.dropped + stats.undelivered + stats.unsent).toBe(stats.messagesIn);
            expect(stats.messagesOut).toBe(received.length);
            expect(stats.active).toBe(0);
          }
          if (overflow === 'backpressure' && canPause) expect(stats?.dropped).toBe(0);
          if (!shutdown) r.sub.unsubscribe();
        },
      ),
      { numRuns: 300 },
    );
  });
});
