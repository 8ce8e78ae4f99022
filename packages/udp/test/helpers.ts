import { firstValueFrom, type Observable, type Subscription, take, timeout, toArray } from 'rxjs';
import { afterEach, expect } from 'vitest';

/** A resource opened by subscribing; `close()` unsubscribes (CLOSE). */
export interface Opened<T> {
  readonly value: T;
  close(): void;
}

/**
 * Returns `open(source)`: subscribes, resolves with the first value, and guarantees the subscription
 * ends after the test even when the test fails half-way (registered after `trackHandles()`, so it
 * runs before the handle check).
 */
export function opener(): <T>(source: Observable<T>) => Promise<Opened<T>> {
  const open: Subscription[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.unsubscribe();
  });
  return <T>(source: Observable<T>) =>
    new Promise<Opened<T>>((resolve, reject) => {
      let settled = false;
      const subscription = source.subscribe({
        next: (value) => {
          if (settled) return;
          settled = true;
          resolve({ value, close: () => subscription.unsubscribe() });
        },
        error: (err: unknown) => {
          settled = true;
          reject(err);
        },
      });
      open.push(subscription);
    });
}

/** The first value, failing after a generous wall-clock bound rather than hanging the suite. */
export function first<T>(source: Observable<T>, ms = 5_000): Promise<T> {
  return firstValueFrom(source.pipe(timeout(ms)));
}

/** The first `n` values. */
export function firstN<T>(source: Observable<T>, n: number, ms = 5_000): Promise<T[]> {
  return firstValueFrom(source.pipe(take(n), toArray(), timeout(ms)));
}

/** The error `source` fails with (rejects if it emits first). */
export async function errorOf(source: Observable<unknown>, ms = 5_000): Promise<unknown> {
  let value: unknown;
  try {
    value = await firstValueFrom(source.pipe(timeout(ms)));
  } catch (err) {
    return err;
  }
  throw new Error(`expected an error, got a value: ${String(value)}`);
}

/** Bytes of ASCII text. */
export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A payload whose every byte depends on its position, so corruption or truncation shows. */
export function pattern(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Asserts two byte sequences are equal without comparing a Buffer to a Uint8Array structurally. */
export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.byteLength).toBe(expected.byteLength);
  const a = Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength);
  expect(a.equals(expected), 'bytes differ').toBe(true);
}

/** Waits, one event-loop turn at a time (bounded), until `condition` holds: an I/O event, not a duration. */
export async function until(condition: () => boolean, turns = 2_000): Promise<void> {
  for (let i = 0; i < turns && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  expect(condition(), 'condition never held').toBe(true);
}
