import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/chunkQueue.js';
import { EncodeError, InvalidArgumentError } from '../errors.js';
import type { BoundedDecoderOptions, Decoder } from './decoder.js';
import { decodeWith } from './decodeWith.js';
import type { Encoder } from './encoder.js';
import { maxFrameLengthOf } from './internal/optionChecks.js';
import { TerminatedFrameBound } from './internal/terminatedFrameBound.js';
import { toBytes } from './internal/toBytes.js';

const WORDS = { oversized: 'oversized frame (no delimiter)', unterminated: 'frame (no final delimiter)' };

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

/** The delimiters as bytes, checked. */
function delimitersOf(options: Pick<DelimitedOptions, 'delimiters'>): Uint8Array[] {
  const list = Array.isArray(options.delimiters) ? options.delimiters : [options.delimiters];
  const delimiters = (list as readonly (Uint8Array | string)[]).map(toBytes);
  if (delimiters.length === 0 || delimiters.some((d) => d.length === 0)) {
    throw new InvalidArgumentError('delimited: delimiters must be one or more non-empty byte sequences');
  }
  return delimiters;
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
  readonly #bound: TerminatedFrameBound;
  /** Where the next search starts: bytes before it hold no complete delimiter. */
  #scanFrom = 0;
  /** Length of the delimiter found by the last {@link DelimitedDecoder.#find}. */
  #foundLength = 0;

  constructor(options: DelimitedOptions) {
    const delimiters = delimitersOf(options);
    this.#delimiters = delimiters;
    this.#longest = Math.max(...delimiters.map((d) => d.length));
    this.#strip = options.stripDelimiter ?? true;
    // A frame of maxFrameLength bytes may be followed by all but the last byte of the longest delimiter.
    const slack = { buffered: this.#longest - 1, keep: this.#longest - 1 };
    this.#bound = new TerminatedFrameBound(options, 'delimited', slack, WORDS);
    this.maxBuffered = this.#bound.maxBuffered;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    const found = this.#find(buf);
    const bound = this.#bound;
    if (found < 0) {
      if (bound.overflows(buf)) {
        this.#scanFrom = 0;
        bound.discard(buf);
      }
      return undefined;
    }
    const length = this.#foundLength;
    if (bound.discarded >= 0) {
      bound.endDiscard(buf, bound.discarded + found, found + length);
      return this.decode(buf);
    }
    if (found > bound.max) bound.refuse(buf, found, found + length);
    if (!this.#strip) return buf.take(found + length);
    return buf.takeFrame(0, found, length);
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    return this.decode(buf) ?? this.#bound.end(buf);
  }

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
}

/**
 * The encoder half of the delimited codec (with the default `stripDelimiter: true`): appends the
 * longest of `delimiters` to each frame — the longest, because at one position the decoder takes the
 * longest match, so `'\r\n'` of `['\n', '\r\n']`. A frame that contains any delimiter, or is longer
 * than `maxFrameLength` (default 8 MiB, delimiter excluded), is refused with {@link EncodeError}: it
 * would not decode back as one frame.
 *
 * @example
 * ```ts
 * new DelimitedEncoder({ delimiters: '\0' }).encode(Uint8Array.of(0x61)); // Uint8Array [0x61, 0]
 * ```
 */
export class DelimitedEncoder implements Encoder<Uint8Array> {
  readonly #delimiters: readonly Uint8Array[];
  readonly #written: Uint8Array;
  readonly #max: number;

  constructor(options: Pick<DelimitedOptions, 'delimiters' | 'maxFrameLength'>) {
    const delimiters = delimitersOf(options);
    this.#delimiters = delimiters;
    this.#written = delimiters.reduce((a, b) => (b.length > a.length ? b : a));
    this.#max = maxFrameLengthOf(options.maxFrameLength, 'delimited');
  }

  encode(frame: Uint8Array): Uint8Array {
    if (frame.length > this.#max) {
      throw new EncodeError(`a frame of ${frame.length} bytes exceeds maxFrameLength ${this.#max}`);
    }
    const written = this.#written;
    const out = new Uint8Array(frame.length + written.length);
    out.set(frame, 0);
    out.set(written, frame.length);
    // A delimiter starting inside the frame (even one that runs into the appended delimiter) would
    // end the frame early.
    for (const d of this.#delimiters) {
      const at = indexOfSequence(out, d, frame.length);
      if (at >= 0) {
        throw new EncodeError(`a frame of ${frame.length} bytes contains a delimiter at offset ${at}`);
      }
    }
    return out;
  }
}

/** The first offset below `before` where `needle` starts in `haystack`, or -1. */
function indexOfSequence(haystack: Uint8Array, needle: Uint8Array, before: number): number {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first); at >= 0 && at < before; at = haystack.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
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
