import type { Datagram, Endpoint } from '@porta/core';
import { concat, from, Subject, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { impair } from '../src/impairment/impair.js';
import { SimScheduler } from '../src/sim/simNetworkScheduler.js';

const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

function collect<T>(values: readonly T[], op: ReturnType<typeof impair>): T[] {
  const out: T[] = [];
  from(values)
    .pipe(op)
    .subscribe((v) => out.push(v));
  return out;
}

function bitsDiffer(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let x = (a[i] ?? 0) ^ (b[i] ?? 0); x; x &= x - 1) n++;
  return n;
}

describe('impair', () => {
  it('drops the same values for the same seed, other values for another seed', () => {
    const a = collect(numbers(1000), impair({ lossRate: 0.5, seed: 7 }));
    const b = collect(numbers(1000), impair({ lossRate: 0.5, seed: 7 }));
    const c = collect(numbers(1000), impair({ lossRate: 0.5, seed: 8 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // The same operator replays its seed on every subscription.
    const op = impair({ lossRate: 0.5, seed: 7 });
    expect(collect(numbers(1000), op)).toEqual(collect(numbers(1000), op));
  });

  it('keeps the drop pattern of a seed whatever the other settings', () => {
    const plain = collect(numbers(500), impair({ lossRate: 0.3, seed: 3 }));
    const scheduler = new SimScheduler();
    const busy: number[] = [];
    from(numbers(500))
      .pipe(impair({ lossRate: 0.3, seed: 3, delayMs: 50, jitterMs: 40, corruptRate: 0.5, scheduler }))
      .subscribe((v) => busy.push(v));
    scheduler.flush();
    expect([...busy].sort((x, y) => x - y)).toEqual(plain);
    expect(busy).not.toEqual(plain); // jitter did reorder them
  });

  it('drops, duplicates and corrupts at the configured rates (20,000 values, fixed seeds)', () => {
    for (const seed of [1, 2]) {
      const lossy = impair({ lossRate: 0.3, seed });
      const out = collect(numbers(20_000), lossy);
      // sd of the observed rate is 0.0032; 0.015 is over four of them.
      expect(Math.abs(1 - out.length / 20_000 - 0.3)).toBeLessThan(0.015);
      expect(lossy.stats).toMatchObject({ seen: 20_000, lost: 20_000 - out.length, emitted: out.length });

      const doubling = impair({ duplicateRate: 0.2, seed });
      const doubled = collect(numbers(20_000), doubling);
      expect(Math.abs(doubled.length / 20_000 - 1.2)).toBeLessThan(0.015);
      expect(doubling.stats.duplicated).toBe(doubled.length - 20_000);

      const noisy = impair({ corruptRate: 0.1, seed });
      const payloads = numbers(20_000).map(() => new Uint8Array([1, 2, 3, 4]));
      const received = collect(payloads, noisy);
      const corrupted = received.filter((d, i) => bitsDiffer(d, payloads[i]!) > 0).length;
      expect(Math.abs(corrupted / 20_000 - 0.1)).toBeLessThan(0.01);
      expect(noisy.stats.corrupted).toBe(corrupted);
    }
  });

  it('corrupts exactly one bit, of a copy, for bytes and datagrams alike; other values never', () => {
    const original = new TextEncoder().encode('the payload');
    const kept = Uint8Array.from(original);
    const bytes = collect(
      numbers(200).map(() => original),
      impair({ corruptRate: 1, seed: 4 }),
    );
    expect(bytes.every((b) => bitsDiffer(b, original) === 1)).toBe(true);
    expect(new Set(bytes.map((b) => b.join())).size).toBeGreaterThan(20); // the bit moves around
    expect(original).toEqual(kept);

    const remote: Endpoint = { address: '127.0.0.1', port: 9, family: 'IPv4' };
    const [datagram] = collect<Datagram>([{ data: original, remote }], impair({ corruptRate: 1, seed: 4 }));
    expect(datagram?.remote).toBe(remote);
    expect(bitsDiffer(datagram!.data, original)).toBe(1);

    const words = collect(['a', 'b'], impair({ corruptRate: 1 }));
    expect(words).toEqual(['a', 'b']);
    expect(collect([new Uint8Array(0)], impair({ corruptRate: 1 }))).toEqual([new Uint8Array(0)]);
  });

  it('delays by delayMs in virtual time (marbles)', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      const op = impair({ delayMs: 10, scheduler: testScheduler });
      expectObservable(source.pipe(op)).toBe('----------a-b-(c|)');
    });
  });

  it('keeps jittered delays within delayMs ± jitterMs', () => {
    const scheduler = new SimScheduler();
    const times: number[] = [];
    from(numbers(1000))
      .pipe(impair({ delayMs: 100, jitterMs: 30, seed: 5, scheduler }))
      .subscribe(() => times.push(scheduler.now()));
    scheduler.flush();
    expect(times).toHaveLength(1000);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...times)).toBeLessThanOrEqual(130);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(50);
  });

  it('reorders: a held-back value is overtaken by the next ones', () => {
    const scheduler = new SimScheduler();
    const source = new Subject<number>();
    const op = impair({ reorderRate: 0.25, reorderDelayMs: 5, seed: 9, scheduler });
    const out: number[] = [];
    source.pipe(op).subscribe((v) => out.push(v));
    for (const i of numbers(400)) {
      scheduler.schedule(() => source.next(i), i); // one value per ms
    }
    scheduler.flush();
    expect([...out].sort((a, b) => a - b)).toEqual(numbers(400));
    expect(out).not.toEqual(numbers(400));
    expect(op.stats.reordered).toBeGreaterThan(50);
    expect(op.stats.reordered).toBeLessThan(150);
  });

  it('completes after the delayed values, passes errors at once and cancels on unsubscribe', () => {
    const scheduler = new SimScheduler();
    const events: string[] = [];
    from([1, 2])
      .pipe(impair({ delayMs: 10, scheduler }))
      .subscribe({
        next: (v) => events.push(`${v}@${scheduler.now()}`),
        complete: () => events.push(`done@${scheduler.now()}`),
      });
    scheduler.flush();
    expect(events).toEqual(['1@10', '2@10', 'done@10']);

    let error: unknown;
    const got: number[] = [];
    concat(
      from([1]),
      throwError(() => new Error('boom')),
    )
      .pipe(impair({ delayMs: 10, scheduler }))
      .subscribe({ next: (v) => got.push(v), error: (e: unknown) => (error = e) });
    expect(String(error)).toContain('boom');
    scheduler.flush();
    expect(got).toEqual([]);

    const sub = from([1, 2, 3])
      .pipe(impair({ delayMs: 10, scheduler }))
      .subscribe();
    expect(scheduler.actions.length).toBe(3);
    sub.unsubscribe();
    expect(scheduler.actions.length).toBe(0);
  });

  it('checks its settings with INVALID_ARGUMENT', () => {
    for (const bad of [
      { lossRate: 1.5 },
      { lossRate: -0.1 },
      { delayMs: -1 },
      { jitterMs: Number.NaN },
      { seed: 0.5 },
    ]) {
      expect(() => impair(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
