import { type OperatorFunction, of } from 'rxjs';
import type { ChunkQueue } from '../bytes/chunkQueue.js';
import { TruncatedError } from '../errors.js';
import { checkInteger } from '../optionChecks.js';
import type { Decoder } from './decoder.js';
import { decodeWith } from './decodeWith.js';

/**
 * Decodes one frame of exactly `size` bytes, then reports {@link RecvallDecoder.done}.
 *
 * @example
 * ```ts
 * bytes$.pipe(decodeWith(() => new RecvallDecoder(16)));
 * ```
 */
export class RecvallDecoder implements Decoder<Uint8Array> {
  readonly size: number;
  readonly maxBuffered: number;
  #done = false;

  constructor(size: number) {
    this.size = checkInteger(size, 'recvall: size', 0);
    this.maxBuffered = Math.max(0, this.size - 1);
  }

  get done(): boolean {
    return this.#done;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    if (this.#done || buf.length < this.size) return undefined;
    this.#done = true;
    return buf.take(this.size);
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame === undefined && !this.#done) throw new TruncatedError(this.size, buf.length);
    return frame;
  }
}

/**
 * The course's `recvall(sock, n)`: emits exactly `size` bytes as one `Uint8Array`, then completes and
 * unsubscribes from the source. If the stream ends first it errors with `TRUNCATED` — the course's
 * `EOFError`: "expected 16 bytes but received only 9 before the socket closed".
 *
 * Bytes that arrive in the same chunk after the `size`th are not part of the frame and are discarded
 * with the subscription; to read a sequence of fixed-size messages use {@link fixedLength}.
 * `recvall(0)` emits an empty array at once without subscribing to the source.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(recvall(16)).subscribe((message) => console.log(message.length)); // 16
 * ```
 */
export function recvall(size: number): OperatorFunction<Uint8Array, Uint8Array> {
  checkInteger(size, 'recvall: size', 0);
  if (size === 0) return () => of(new Uint8Array(0));
  return decodeWith(() => new RecvallDecoder(size));
}
