import { frameTimeout, isPortaError } from '@porta/core';
import { Observable, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

/** A toy framer for the test: frames of two bytes. */
const pairs: OperatorFunction<Uint8Array, string> = (source) =>
  new Observable<string>((subscriber) => {
    let held: number[] = [];
    return source.subscribe({
      next: (chunk) => {
        for (const b of chunk) {
          held.push(b);
          if (held.length === 2) {
            subscriber.next(held.join(','));
            held = [];
          }
        }
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const values = { a: Uint8Array.of(1), b: Uint8Array.of(2), c: Uint8Array.of(3, 4), e: new Uint8Array(0) };

describe('frameTimeout', () => {
  it('passes frames that complete in time', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 8ms b 20ms c|', values);
      expectObservable(source.pipe(frameTimeout(pairs, { timeoutMs: 10 }))).toBe('9ms x 20ms y|', {
        x: '1,2',
        y: '3,4',
      });
    });
  });

  it('a frame that started but did not finish in time → TIMEOUT, even while bytes trickle in', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // Byte 1 at 0 ms, nothing completes the frame by 10 ms: a slow-loris peer.
      const source = cold('a 100ms a', values);
      expectObservable(source.pipe(frameTimeout(pairs, { timeoutMs: 10 }))).toBe(
        '10ms #',
        undefined,
        expect.objectContaining({ code: 'TIMEOUT', timeoutMs: 10 }),
      );
    });
  });

  it('the clock is not reset by more bytes, only by a frame', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // Three single bytes 6 ms apart: frame 1 done at 6 ms; frame 2 starts at 12 ms, dies at 22 ms.
      const source = cold('a 5ms b 5ms a 100ms b', values);
      expectObservable(source.pipe(frameTimeout(pairs, { timeoutMs: 10 }))).toBe(
        '6ms x 15ms #',
        { x: '1,2' },
        expect.objectContaining({ code: 'TIMEOUT' }),
      );
    });
  });

  it('empty chunks and silence between frames do not start the clock', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('e 50ms a b 50ms |', values);
      expectObservable(source.pipe(frameTimeout(pairs, { timeoutMs: 10 }))).toBe('52ms x 50ms |', {
        x: '1,2',
      });
    });
  });

  it('rejects a bad timeout before any subscription', () => {
    let err: unknown;
    try {
      frameTimeout(pairs, { timeoutMs: 0 });
    } catch (e) {
      err = e;
    }
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
  });
});
