import { DecodeError, isPortaError, sameEndpoint } from '@porta/core';
import fc from 'fast-check';
import { merge, NEVER, Observable, of, VirtualTimeScheduler } from 'rxjs';
import { catchError, map } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import {
  decodePortaMessage,
  encodePortaMessage,
  exponentialBackoff,
  type Jitter,
  PORTA_HEADER_BYTES,
  type RequesterEvent,
  replyTo,
  requester,
  retryBackoff,
  seededRandom,
  serveRequests,
} from '../src/index.js';
import { ascii, simPair, text } from './requesterSupport.js';

type Outcome = { readonly kind: 'answer'; readonly values: string[] } | { readonly kind: 'unreachable' };

/** Settles one request into an outcome; anything else (another error, no end) fails the property. */
function outcome(request: Observable<Uint8Array>): Observable<Outcome> {
  const values: string[] = [];
  return new Observable<Outcome>((subscriber) =>
    request.subscribe({
      next: (v) => values.push(ascii(v)),
      complete: () => {
        subscriber.next({ kind: 'answer', values });
        subscriber.complete();
      },
      error: (e: unknown) => {
        if (!isPortaError(e, 'SERVER_UNREACHABLE')) {
          subscriber.error(e);
          return;
        }
        expect(values).toEqual([]);
        subscriber.next({ kind: 'unreachable' });
        subscriber.complete();
      },
    }),
  );
}

describe('property: every request gets the right answer exactly once, or SERVER_UNREACHABLE', () => {
  it('for any loss rate below 100%, any seed, duplication and jitter, course schedule or adaptive', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          lossRate: fc.double({ min: 0, max: 0.95, noNaN: true }),
          duplicateRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
          delayMs: fc.integer({ min: 0, max: 400 }),
          jitterMs: fc.integer({ min: 0, max: 100 }),
          requests: fc.integer({ min: 1, max: 8 }),
          adaptive: fc.boolean(),
          onePerDestination: fc.boolean(),
          jitter: fc.constantFrom<Jitter>('none', 'full', 'equal', 'decorrelated'),
        }),
        (c) => {
          const p = simPair({
            seed: c.seed,
            link: {
              lossRate: c.lossRate,
              duplicateRate: c.duplicateRate,
              delayMs: c.delayMs,
              jitterMs: c.jitterMs,
            },
          });
          try {
            const serving = serveRequests(p.server, (payload) => text(`re:${ascii(payload)}`)).subscribe();
            const client = requester(p.client, {
              scheduler: p.net.scheduler,
              adaptive: c.adaptive,
              onePerDestination: c.onePerDestination,
              retry: { jitter: c.jitter, random: seededRandom(c.seed) },
            });
            const outcomes: [number, Outcome][] = [];
            const all = merge(
              ...Array.from({ length: c.requests }, (_, i) =>
                outcome(client.request(text(`q${i}`), p.server.local)).pipe(
                  map((o) => [i, o] as [number, Outcome]),
                ),
              ),
            );
            const result = p.net.run(all);
            serving.unsubscribe();
            expect(result.error).toBeUndefined();
            outcomes.push(...result.values);
            expect(outcomes).toHaveLength(c.requests);
            for (const [i, o] of outcomes) {
              if (o.kind === 'answer') expect(o.values).toEqual([`re:q${i}`]);
            }
            const answered = outcomes.filter(([, o]) => o.kind === 'answer').length;
            expect(client.stats.accepted).toBe(answered);
            expect(client.stats.unreachable).toBe(c.requests - answered);
          } finally {
            p.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('property: nothing is accepted from a wrong origin or with a wrong id', () => {
  it('attackers on and off the path flood forged and replayed replies; only genuine ones are accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 5 }),
        (seed, lossRate, guesses) => {
          const p = simPair({ seed, link: { lossRate, delayMs: 20, jitterMs: 10 } });
          try {
            const serverPort = p.server.local.port; // the attackers spoof the server's (virtual) port
            const attackers = [
              p.bind('127.0.0.1'),
              p.bind('127.0.0.2', serverPort),
              p.bind('::1', serverPort),
            ];
            // Every request the server sees is also seen by the attackers (on-path), who answer first.
            const serving = serveRequests(p.server, (payload, from, request) => {
              for (const a of attackers) {
                if (a.local.family !== from.family) continue;
                a.send(replyTo(request, text('FAKE')), from).subscribe();
                a.send(text('FAKE'), from).subscribe();
              }
              // Off-path guesses, spoofing the server's address.
              for (const id of guesses) {
                if (id !== request.id)
                  p.server.send(replyTo({ id, attempt: 1 }, text('FAKE')), from).subscribe();
              }
              return text(`re:${ascii(payload)}`);
            }).subscribe();
            const client = requester(p.client, { scheduler: p.net.scheduler });
            const accepted: RequesterEvent[] = [];
            client.events.subscribe((e) => {
              if (e.type === 'accepted') accepted.push(e);
            });
            const result = p.net.run(
              merge(
                ...[0, 1, 2].map((i) =>
                  client.request(text(`q${i}`), p.server.local).pipe(
                    map(ascii),
                    catchError((e: unknown) =>
                      isPortaError(e, 'SERVER_UNREACHABLE') ? of('unreachable') : NEVER,
                    ),
                  ),
                ),
              ),
            );
            serving.unsubscribe();
            expect(result.values.every((v) => v.startsWith('re:q') || v === 'unreachable')).toBe(true);
            expect(result.values).toHaveLength(3);
            for (const e of accepted) {
              if (e.type === 'accepted') expect(sameEndpoint(e.from, p.server.local)).toBe(true);
            }
            expect(result.values).not.toContain('FAKE');
          } finally {
            p.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('property: waits stay within their jitter bounds', () => {
  const params = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    initialMs: fc.integer({ min: 1, max: 500 }),
    factor: fc.double({ min: 1, max: 4, noNaN: true }),
    maxWaitMs: fc.integer({ min: 500, max: 10_000 }),
    maxAttempts: fc.integer({ min: 1, max: 12 }),
    onMaxWait: fc.constantFrom<'give-up' | 'cap'>('give-up', 'cap'),
  });

  for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
    it(`${jitter}: every wait within its AWS bounds; attempts as without jitter`, () => {
      fc.assert(
        fc.property(params, (o) => {
          const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
          const waits: number[] = [];
          NEVER.pipe(
            retryBackoff({
              ...o,
              jitter,
              random: seededRandom(o.seed),
              scheduler,
              onAttempt: (a) => waits.push(a.waitMs),
            }),
          ).subscribe({ error: () => undefined });
          scheduler.flush();
          // The same policy without jitter gives the bases and the attempt count.
          const plain = exponentialBackoff({ ...o, jitter: 'none' }).start();
          const bases: number[] = [];
          for (let n = 1; ; n++) {
            const w = plain.next({ attempt: n, elapsedMs: 0, now: 0 });
            if (w === undefined) break;
            bases.push(w);
          }
          expect(waits).toHaveLength(bases.length);
          const first = Math.min(o.initialMs, o.maxWaitMs);
          waits.forEach((w, i) => {
            const base = bases[i] ?? Number.NaN;
            const previous = i === 0 ? first : (waits[i - 1] ?? Number.NaN);
            const [low, high] =
              jitter === 'none'
                ? [base, base]
                : jitter === 'full'
                  ? [0, base]
                  : jitter === 'equal'
                    ? [base / 2, base]
                    : [Math.min(first, o.maxWaitMs), Math.min(o.maxWaitMs, Math.max(first, previous * 3))];
            expect(w).toBeGreaterThanOrEqual(low - 1e-9);
            expect(w).toBeLessThanOrEqual(high + 1e-9);
          });
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('property: the porta message codec', () => {
  const message = fc.record({
    kind: fc.constantFrom<'request' | 'reply'>('request', 'reply'),
    id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    attempt: fc.integer({ min: 1, max: 0xffff }),
    payload: fc.uint8Array({ maxLength: 256 }),
  });

  it('decode(encode(m)) = m, with the header 14 bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodePortaMessage(m);
        expect(bytes.length).toBe(PORTA_HEADER_BYTES + m.payload.length);
        const back = decodePortaMessage(bytes);
        expect({ ...back, payload: Array.from(back.payload) }).toEqual({
          ...m,
          payload: Array.from(m.payload),
        });
      }),
    );
  });

  it('any byte string either decodes or fails with DecodeError — never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const m = decodePortaMessage(bytes);
          expect(encodePortaMessage(m)).toEqual(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('refuses to encode an id over 64 bits or an attempt out of range', () => {
    const base = { kind: 'request' as const, payload: new Uint8Array() };
    expect(() => encodePortaMessage({ ...base, id: 2n ** 64n, attempt: 1 })).toThrowError(/64 bits/);
    expect(() => encodePortaMessage({ ...base, id: 1n, attempt: 0 })).toThrowError(/attempt/);
    expect(() => encodePortaMessage({ ...base, id: -1n, attempt: 1 })).toThrowError(
      expect.objectContaining({ code: 'ENCODE' }),
    );
  });
});
