import { Observable, type OperatorFunction, takeWhile } from 'rxjs';
import { ChunkQueue } from '../bytes/chunkQueue.js';
import { FrameTooLongError, InvalidArgumentError, TruncatedError } from '../errors.js';
import type { Decoder, TooLongPolicy } from './decoder.js';
import { tooLongHandler } from './internal/tooLongHandler.js';

/**
 * Options of {@link decodeWith}.
 *
 * @example
 * ```ts
 * bytes$.pipe(decodeWith(() => new LinesDecoder({ maxFrameLength: 80 }), { onTooLong: 'skip', onDrop: console.warn }));
 * ```
 */
export interface DecodeWithOptions {
  /** What to do with a too-long frame (default `'error'`). See {@link TooLongPolicy}. */
  readonly onTooLong?: TooLongPolicy;
  /** Called for each frame dropped under `onTooLong: 'skip'`, with the error and the running count. */
  readonly onDrop?: (error: FrameTooLongError, dropped: number) => void;
}

/**
 * Drives a {@link Decoder} over a byte stream (tokio-util's `Framed`): buffers chunks in a
 * {@link ChunkQueue}, emits every frame the decoder finds, and at the end of the stream lets the decoder
 * finish — a stream that ends inside a frame errors with {@link TruncatedError} (`TRUNCATED`), never a
 * silent drop.
 *
 * Pass a factory (`() => new MyDecoder()`) to get a fresh decoder per subscription; a decoder instance
 * can serve one subscription only. Unsubscribing releases the buffered chunks. When the decoder says it
 * is `done`, the output completes and the source is unsubscribed (bytes after the last frame are not
 * consumed by anyone).
 *
 * @example
 * ```ts
 * const frames$ = connection.bytes.pipe(decodeWith(() => new LengthFieldDecoder({ lengthFieldLength: 2 })));
 * ```
 */
export function decodeWith<T>(
  decoder: Decoder<T> | (() => Decoder<T>),
  options: DecodeWithOptions = {},
): OperatorFunction<Uint8Array, T> {
  let instanceUsed = false;
  return (source) =>
    new Observable<T>((subscriber) => {
      let d: Decoder<T>;
      if (typeof decoder === 'function') {
        d = decoder();
      } else {
        if (instanceUsed) {
          subscriber.error(
            new InvalidArgumentError('decodeWith: this decoder instance is already used; pass a factory'),
          );
          return;
        }
        instanceUsed = true;
        d = decoder;
      }
      const buf = new ChunkQueue();
      const tooLong = tooLongHandler(options, subscriber);
      // Only decoders that declare `done` are asked after each frame (one property read saved per frame).
      const finite = d.done !== undefined;

      const many = d.decodeMany !== undefined;
      /** Emits a frame for `decodeMany`; false when the output is finished (done or closed). */
      const emit = (frame: T): boolean => {
        subscriber.next(frame);
        if (subscriber.closed) return false;
        if (finite && d.done === true) {
          subscriber.complete();
          return false;
        }
        return true;
      };

      /** Emits every frame available; false when the output is finished (done, error, closed). */
      const drain = (end: boolean): boolean => {
        const atEnd = end && d.decodeEnd !== undefined;
        for (;;) {
          try {
            if (many && !atEnd) return d.decodeMany!(buf, emit);
            for (;;) {
              const frame = atEnd ? d.decodeEnd!(buf) : d.decode(buf);
              if (frame === undefined) return true;
              subscriber.next(frame);
              if (subscriber.closed) return false;
              if (finite && d.done === true) {
                subscriber.complete();
                return false;
              }
            }
          } catch (err) {
            if (!(err instanceof FrameTooLongError)) {
              subscriber.error(err);
              return false;
            }
            // A too-long frame leaves the decoder resynced: under 'skip', decoding goes on.
            if (!tooLong(err)) return false;
          }
        }
      };

      // A source that emits synchronously cannot be unsubscribed from inside its own subscribe call,
      // yet the output may finish there (a finite decoder is done, or the subscriber unsubscribed
      // inside next, e.g. take(n)): takeWhile ends the source at its next chunk instead of pulling
      // it to its end, which for an endless synchronous source would be never.
      subscriber.add(
        source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
          next(chunk) {
            if (subscriber.closed) return;
            buf.push(chunk);
            drain(false);
          },
          error(err) {
            buf.clear();
            subscriber.error(err);
          },
          complete() {
            if (subscriber.closed || !drain(true)) return;
            if (buf.length > 0) {
              subscriber.error(new TruncatedError(undefined, buf.length));
              return;
            }
            subscriber.complete();
          },
        }),
      );
      return () => buf.clear();
    });
}
