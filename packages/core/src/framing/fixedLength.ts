import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/chunkQueue.js';
import { EncodeError, TruncatedError } from '../errors.js';
import { checkInteger } from '../optionChecks.js';
import type { Decoder } from './decoder.js';
import { decodeWith } from './decodeWith.js';
import type { Encoder } from './encoder.js';

/**
 * Decodes frames of exactly `size` bytes. Bounded by `size`: at most `size - 1` bytes stay buffered,
 * and a frame is assembled (copied, if it spans chunks) only once all its bytes have arrived.
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * const d = new FixedLengthDecoder(2);
 * q.push(Uint8Array.of(1, 2, 3));
 * d.decode(q); // Uint8Array [1, 2]
 * d.decode(q); // undefined: one byte waits for the next chunk
 * ```
 */
export class FixedLengthDecoder implements Decoder<Uint8Array> {
  readonly size: number;
  readonly maxBuffered: number;

  constructor(size: number) {
    this.size = checkInteger(size, 'fixedLength: size', 1);
    this.maxBuffered = this.size - 1;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    return buf.length >= this.size ? buf.take(this.size) : undefined;
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame === undefined && buf.length > 0) throw new TruncatedError(this.size, buf.length);
    return frame;
  }
}

/**
 * The encoder half of the fixed-length codec: passes a message of exactly `size` bytes through and
 * refuses any other length with {@link EncodeError} (a shorter message would be read joined to the
 * next one, a longer one split).
 *
 * @example
 * ```ts
 * bytes$.pipe(encodeWith(new FixedLengthEncoder(16))); // errors with ENCODE on a 15-byte message
 * ```
 */
export class FixedLengthEncoder implements Encoder<Uint8Array> {
  readonly size: number;

  constructor(size: number) {
    this.size = checkInteger(size, 'fixedLength: size', 1);
  }

  encode(message: Uint8Array): Uint8Array {
    if (message.length !== this.size) {
      throw new EncodeError(`a message of ${message.length} bytes is not a ${this.size}-byte frame`);
    }
    return message;
  }
}

/**
 * Splits a byte stream into frames of exactly `size` bytes. A stream that ends inside a frame errors
 * with `TRUNCATED` ("expected 16 bytes but received only 9 before the socket closed").
 *
 * @example
 * ```ts
 * connection.bytes.pipe(fixedLength(16), decodeText('ascii', { stream: false }));
 * ```
 */
export function fixedLength(size: number): OperatorFunction<Uint8Array, Uint8Array> {
  checkInteger(size, 'fixedLength: size', 1);
  return decodeWith(() => new FixedLengthDecoder(size));
}
