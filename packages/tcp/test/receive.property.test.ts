import { trackHandles } from '@porta/core/testing';
import fc from 'fast-check';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedPair, releaseAll } from './support.js';

trackHandles();
afterEach(releaseAll);

describe('receive (property, real loopback)', () => {
  it('whatever the send sizes and water marks: every byte arrives in order, queued ≤ high-water + one chunk', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 512 * 1024 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        async (sizes, highWaterMark, lowFraction, slow) => {
          const lowWaterMark = Math.floor(highWaterMark * lowFraction);
          const { server, client, subs } = await connectedPair();
          try {
            let offset = 0;
            const frames = sizes.map((n) => {
              const f = Uint8Array.from({ length: n }, (_, i) => (offset + i) % 253);
              offset += n;
              return f;
            });
            let next = 0;
            let bad = 0;
            let largestChunk = 0;
            const done = lastValueFrom(
              server.receive(
                (chunk) => {
                  largestChunk = Math.max(largestChunk, chunk.length);
                  for (const b of chunk) if (b !== next++ % 253) bad++;
                  return slow ? new Promise<void>((r) => setImmediate(r)) : [];
                },
                { highWaterMark, lowWaterMark },
              ),
              { defaultValue: undefined },
            );
            await lastValueFrom(client.sendAll(frames));
            client.end();
            await done;
            expect(next).toBe(offset);
            expect(bad).toBe(0);
            expect(server.stats.peakQueuedBytes).toBeLessThanOrEqual(highWaterMark + largestChunk);
            expect(server.stats.queuedBytes).toBe(0);
          } finally {
            subs.unsubscribe();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
