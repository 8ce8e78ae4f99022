import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/ChunkQueue.js';
import { FrameTooLongError, InvalidArgumentError, TruncatedError } from '../errors.js';
import type { BoundedDecoderOptions, Decoder } from './Decoder.js';
import { decodeWith } from './decodeWith.js';
import { maxFrameLengthOf, toBytes } from './internal.js';

/** Bytes of a frame shown in a {@link FrameTooLongError} when the frame has no header. */
const PREVIEW = 16;

/**
 * Options of {@link delimited} (Netty's `DelimiterBasedFrameDecoder`).
 *
 * @example
 * ```ts
 * const options: DelimitedOptions = { delimiters: ['\0', '\r\n'], stripDelimiter: false, maxFrameLength: 1024 };
 * ```
 */
export interface DelimitedOptions extends BoundedDecoderOptions {
  /**
   * One delimiter or several (bytes, or strings encoded as UTF-8). With several, the one that ends
   * the shortest frame wins, and at the same position the longest.
   */
  readonly delimiters: Uint8Array | string | readonly (Uint8Array | string)[];
  /** Whether the delimiter is removed from emitted frames (default `true`). */
  readonly stripDelimiter?: boolean;
  /**
   * What to do with bytes left without a final delimiter when the stream ends: `'error'` (default)
   * errors with `TRUNCATED`; `'emit'` emits them as a last frame (as tokio's codecs do).
   */
  readonly atEnd?: 'error' | 'emit';
}

/**
 * Decodes delimiter-terminated frames. See {@link delimited}. `maxFrameLength` bounds a frame
 * without its delimiter; at most `maxFrameLength + longestDelimiter - 1` bytes stay buffered.
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * const d = new DelimitedDecoder({ delimiters: '\0' });
 * q.push(new TextEncoder().encode('a\0b'));
 * d.decode(q); // Uint8Array [0x61]
 * d.decode(q); // undefined: "b" waits for its delimiter
 * ```
 */
export class DelimitedDecoder implements Decoder<Uint8Array> {
  readonly maxBuffered: number;
  readonly #delimiters: readonly Uint8Array[];
  readonly #longest: number;
  readonly #strip: boolean;
  readonly #max: number;
  readonly #failFast: boolean;
  readonly #emitAtEnd: boolean;
  /** Where the next search starts: bytes before it hold no complete delimiter. */
  #scanFrom = 0;
  /** Bytes of an oversized frame discarded so far; -1 when not discarding. */
  #discarded = -1;
  #pendingPreview: Uint8Array | undefined;

  constructor(options: DelimitedOptions) {
    const list = Array.isArray(options.delimiters) ? options.delimiters : [options.delimiters];
    const delimiters = (list as readonly (Uint8Array | string)[]).map(toBytes);
    if (delimiters.length === 0 || delimiters.some((d) => d.length === 0)) {
      throw new InvalidArgumentError('delimited: delimiters must be one or more non-empty byte sequences');
    }
    this.#delimiters = delimiters;
    this.#longest = Math.max(...delimiters.map((d) => d.length));
    this.#strip = options.stripDelimiter ?? true;
    this.#max = maxFrameLengthOf(options.maxFrameLength, 'delimited');
    this.#failFast = options.failFast ?? true;
    this.#emitAtEnd = (options.atEnd ?? 'error') === 'emit';
    this.maxBuffered = this.#max + this.#longest - 1;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    const found = this.#find(buf);
    if (this.#discarded >= 0) {
      this.#discard(buf, found);
      return found < 0 ? undefined : this.decode(buf);
    }
    if (found < 0) {
      if (buf.length > this.maxBuffered) this.#tooLong(buf);
      return undefined;
    }
    const length = this.#foundLength;
    if (found > this.#max) {
      const preview = buf.peekCopy(0, Math.min(PREVIEW, buf.length));
      buf.skip(found + length);
      throw new FrameTooLongError(found, this.#max, preview);
    }
    if (!this.#strip) return buf.take(found + length);
    const frame = buf.take(found);
    buf.skip(length);
    return frame;
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame !== undefined) return frame;
    if (this.#discarded >= 0) {
      throw new TruncatedError(undefined, this.#discarded + buf.length, 'oversized frame (no delimiter)');
    }
    if (buf.length === 0) return undefined;
    if (!this.#emitAtEnd) throw new TruncatedError(undefined, buf.length, 'frame (no final delimiter)');
    if (buf.length > this.#max) {
      const error = new FrameTooLongError(
        buf.length,
        this.#max,
        buf.peekCopy(0, Math.min(PREVIEW, buf.length)),
      );
      buf.skip(buf.length);
      throw error;
    }
    return buf.take(buf.length);
  }

  /** Length of the delimiter found by the last {@link DelimitedDecoder.#find}. */
  #foundLength = 0;

  /** Offset of the earliest delimiter at or after the scan position, or -1. */
  #find(buf: ChunkQueue): number {
    const delimiters = this.#delimiters;
    let best = -1;
    if (delimiters.length === 1) {
      const d = delimiters[0]!;
      best = buf.indexOf(d, this.#scanFrom);
      this.#foundLength = d.length;
    } else {
      for (const d of delimiters) {
        const at = buf.indexOf(d, this.#scanFrom);
        if (at >= 0 && (best < 0 || at < best || (at === best && d.length > this.#foundLength))) {
          best = at;
          this.#foundLength = d.length;
        }
      }
    }
    this.#scanFrom = best >= 0 ? 0 : Math.max(0, buf.length - this.#longest + 1);
    return best;
  }

  #tooLong(buf: ChunkQueue): void {
    const preview = buf.peekCopy(0, Math.min(PREVIEW, buf.length));
    const seen = buf.length;
    this.#discarded = 0;
    this.#discard(buf, -1);
    if (this.#failFast) throw new FrameTooLongError(seen, this.#max, preview);
    this.#pendingPreview = preview;
  }

  /** Drops bytes of an oversized frame up to and including its delimiter; throws when fail-slow ends. */
  #discard(buf: ChunkQueue, found: number): undefined {
    if (found < 0) {
      // Keep the bytes that may begin a delimiter split across chunks.
      const n = Math.max(0, buf.length - (this.#longest - 1));
      buf.skip(n);
      this.#discarded += n;
      this.#scanFrom = 0;
      return undefined;
    }
    const total = this.#discarded + found;
    buf.skip(found + this.#foundLength);
    this.#discarded = -1;
    const preview = this.#pendingPreview;
    if (preview !== undefined) {
      this.#pendingPreview = undefined;
      throw new FrameTooLongError(total, this.#max, preview);
    }
    return undefined;
  }
}

/**
 * Splits a byte stream on delimiters (Netty's `DelimiterBasedFrameDecoder`).
 *
 * Bounded: a frame longer than `maxFrameLength` (default 8 MiB, delimiter excluded) fails as soon as
 * the buffered bytes prove it too long — before the buffer grows past the bound — with
 * `FRAME_TOO_LONG` (or is skipped and reported to `onDrop` with `onTooLong: 'skip'`); the decoder then
 * discards up to the next delimiter and resyncs. In fail-fast mode (default) the error's length is
 * the number of bytes seen when the frame was found too long; in fail-slow mode it is the frame's full
 * length. Zero-length frames (two delimiters in a row) are emitted as empty arrays.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(delimited({ delimiters: '\0', maxFrameLength: 1024 }));
 * ```
 */
export function delimited(options: DelimitedOptions): OperatorFunction<Uint8Array, Uint8Array> {
  new DelimitedDecoder(options);
  return decodeWith(() => new DelimitedDecoder(options), options);
}
