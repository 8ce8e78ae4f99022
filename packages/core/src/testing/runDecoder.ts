import { ChunkQueue, type Decoder, FrameTooLongError, TruncatedError } from '@porta/core';

/**
 * What {@link runDecoder} saw.
 *
 * @example
 * ```ts
 * const run: DecoderRun<Uint8Array> = runDecoder(new LinesDecoder(), [bytes]);
 * if (run.error === undefined) console.log(run.frames.length);
 * ```
 */
export interface DecoderRun<T> {
  /** Every frame, in order. */
  readonly frames: T[];
  /** How many frames came before the end of the stream (a frame held back until the end shows here). */
  readonly beforeEnd: number;
  /** The most bytes the decoder left buffered after a chunk: its bound must hold there. */
  readonly maxBuffered: number;
  /** Too-long frames skipped (with `skipTooLong`). */
  readonly dropped: number;
  /**
   * Why the run stopped early: what the decoder threw, a {@link TruncatedError} for bytes left at the
   * end, or a {@link DecoderStallError}; `undefined` when it completed.
   */
  readonly error: unknown;
}

/**
 * The decoder broke the contract in a way that would make `decodeWith` loop forever: it returned a
 * frame without consuming a byte, or reported more too-long frames than it was given bytes.
 *
 * @example
 * ```ts
 * const chunks = [Uint8Array.of(0, 1), Uint8Array.of(7)];
 * const run = runDecoder(new LengthFieldDecoder({ lengthFieldLength: 2 }), chunks);
 * if (run.error instanceof DecoderStallError) throw new Error('fix decode');
 * ```
 */
export class DecoderStallError extends Error {
  override readonly name = 'DecoderStallError';
}

/**
 * Drives a decoder over chunks the way `decodeWith` does — push a chunk, call `decode` until it returns
 * `undefined`, at the end call `decodeEnd` until it does, stop once the decoder is `done` — but by
 * hand, synchronously, recording what a test asserts: the frames, how many came before the end, the
 * most bytes left buffered after a chunk, and the error. With `skipTooLong`, a {@link FrameTooLongError}
 * is counted and decoding goes on, as `onTooLong: 'skip'` does.
 *
 * A decoder that would make `decodeWith` spin (a frame that consumes no byte) stops the run with a
 * {@link DecoderStallError} instead of hanging it.
 *
 * @example
 * ```ts
 * const run = runDecoder(new LengthFieldDecoder({ lengthFieldLength: 2 }), [Uint8Array.of(0, 1, 7)]);
 * run.frames; // [Uint8Array [7]]
 * ```
 */
export function runDecoder<T>(
  decoder: Decoder<T>,
  chunks: Iterable<Uint8Array>,
  options: { readonly skipTooLong?: boolean } = {},
): DecoderRun<T> {
  const buf = new ChunkQueue();
  const frames: T[] = [];
  let beforeEnd = -1;
  let maxBuffered = 0;
  let dropped = 0;
  let given = 0;
  const result = (error: unknown): DecoderRun<T> => ({
    frames,
    beforeEnd: beforeEnd < 0 ? frames.length : beforeEnd,
    maxBuffered,
    dropped,
    error,
  });
  /** Runs the decoder until it needs more bytes; true when it is done. */
  const drain = (end: boolean): boolean => {
    for (;;) {
      try {
        for (;;) {
          const before = buf.length;
          const frame = end && decoder.decodeEnd ? decoder.decodeEnd(buf) : decoder.decode(buf);
          if (frame === undefined) return false;
          frames.push(frame);
          if (decoder.done === true) return true;
          if (buf.length === before) {
            throw new DecoderStallError(
              `decode${end ? 'End' : ''} returned frame ${frames.length} without consuming a byte ` +
                `(${before} buffered): decodeWith would call it again forever`,
            );
          }
        }
      } catch (err) {
        if (!(options.skipTooLong === true && err instanceof FrameTooLongError)) throw err;
        dropped++;
        if (dropped > given) {
          throw new DecoderStallError(
            `${dropped} too-long frames reported for ${given} bytes: the decoder does not discard the frames ` +
              'it refuses, so decodeWith would skip forever',
          );
        }
      }
    }
  };
  try {
    for (const chunk of chunks) {
      buf.push(chunk);
      given += chunk.length;
      if (drain(false)) return result(undefined);
      maxBuffered = Math.max(maxBuffered, buf.length);
    }
    beforeEnd = frames.length;
    if (drain(true)) return result(undefined);
    if (buf.length > 0) throw new TruncatedError(undefined, buf.length);
    return result(undefined);
  } catch (error) {
    return result(error);
  }
}
