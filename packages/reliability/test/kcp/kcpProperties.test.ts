import { isPortaError } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/simNetwork.js';
import { concat, patternBytes, simKcpPair } from './kcpSim.js';

describe('KCP sessions on the simulated network, in virtual time (properties)', () => {
  it('for any loss ≤ 30%, reordering and duplication: the bytes arrive exactly and in order, or the session fails with KCP_DEAD_LINK; windows and buffers stay within bounds', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          lossRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          duplicateRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          reorderRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          delayMs: fc.integer({ min: 0, max: 60 }),
          jitterMs: fc.integer({ min: 0, max: 30 }),
          size: fc.integer({ min: 1, max: 48 * 1024 }),
          mode: fc.constantFrom('normal', 'fast', 'fast2', 'fast3' as const),
          rto: fc.constantFrom('kcp', 'rfc6298' as const),
          sendWindow: fc.integer({ min: 1, max: 64 }),
          receiveWindow: fc.integer({ min: 1, max: 64 }),
        }),
        (p) => {
          const net = new SimNetwork({
            seed: p.seed,
            defaultLink: {
              lossRate: p.lossRate,
              duplicateRate: p.duplicateRate,
              reorderRate: p.reorderRate,
              delayMs: p.delayMs,
              jitterMs: p.jitterMs,
            },
          });
          const options = {
            mode: p.mode,
            rto: p.rto,
            sendWindow: p.sendWindow,
            receiveWindow: p.receiveWindow,
          };
          const received: Uint8Array[] = [];
          let failure: unknown;
          const pair = simKcpPair(net, options, options, (s) =>
            s.bytes.subscribe({ next: (c) => received.push(c), error: (e) => (failure = e) }),
          );
          pair.client.bytes.subscribe({ error: (e) => (failure = e) });
          const data = patternBytes(p.size, p.seed);
          pair.client.send(data).subscribe({ error: (e) => (failure = e) });
          for (let t = 0; t < 240_000 && failure === undefined; t += 200) {
            net.advanceBy(200);
            const c = pair.client.stats;
            expect(c.inFlight).toBeLessThanOrEqual(p.sendWindow);
            for (const s of pair.accepted)
              expect(s.stats.bufferedSegments).toBeLessThanOrEqual(2 * p.receiveWindow);
            if (received.reduce((n, r) => n + r.length, 0) >= p.size && c.inFlight === 0) break;
          }
          if (failure !== undefined) {
            expect(isPortaError(failure, 'KCP_DEAD_LINK')).toBe(true);
          } else {
            expect(pair.accepted).toHaveLength(1);
            expect(concat(received)).toEqual(data);
          }
          pair.subscription.unsubscribe();
        },
      ),
      // A fixed seed keeps CI reproducible. Random seeds found the stall the test below guards;
      // after its fix, 150 runs with random seeds passed.
      { numRuns: 25, seed: 20261202 },
    );
  });

  // The counterexample fast-check found (seed 1955433804): the sender kept retransmitting, with
  // backed-off timers, segments beyond the peer's one-segment window, and the segment the peer
  // waited for starved; 3,919 of 35,263 bytes had not arrived after 240 virtual seconds.
  it('delivers every byte with a receive window of one segment and no loss', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { jitterMs: 1 } });
    const options = { mode: 'normal', rto: 'rfc6298', sendWindow: 28, receiveWindow: 1 } as const;
    const received: Uint8Array[] = [];
    const pair = simKcpPair(net, options, options, (s) => s.bytes.subscribe((c) => received.push(c)));
    const data = patternBytes(35_263, 1);
    pair.client.send(data).subscribe();
    net.advanceBy(240_000);
    expect(concat(received)).toEqual(data);
    pair.subscription.unsubscribe();
  });
});
