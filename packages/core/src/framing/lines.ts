import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/ChunkQueue.js';
import { InvalidArgumentError } from '../errors.js';
import type { TextEncoding } from '../text/TextStreamDecoder.js';
import type { BoundedDecoderOptions, Decoder } from './Decoder.js';
import { decodeWith } from './decodeWith.js';
import { maxFrameLengthOf, TerminatedFrameBound } from './internal.js';
import { LINE_WORDS, textLines } from './textLines.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Options of {@link lines} (Netty's `LineBasedFrameDecoder`).
 *
 * @example
 * ```ts
 * const options: LinesOptions = { maxFrameLength: 4096, keepEnds: false, atEnd: 'emit', encoding: 'utf8' };
 * ```
 */
export interface LinesOptions extends BoundedDecoderOptions {
  /**
   * Whether emitted lines keep their terminator (`\n` or `\r\n`); default `false` (stripped). Named
   * after Python's `splitlines(keepends=True)`.
   */
  readonly keepEnds?: boolean;
  /**
   * What to do with a last line that has no terminator when the stream ends: `'error'` (default) errors
   * with `TRUNCATED`; `'emit'` emits it (as Python's file iteration and tokio's `LinesCodec` do).
   */
  readonly atEnd?: 'error' | 'emit';
  /**
   * Emit strings instead of bytes: each chunk is decoded once (strictly, as {@link decodeText} does;
   * invalid input errors with `DECODE`) and lines are cut from the text. Faster than
   * `lines()` followed by `decodeText`, which decodes every line separately. `maxFrameLength` still
   * counts bytes.
   */
  readonly encoding?: TextEncoding;
}

/**
 * Decodes lines ended by LF or CRLF. See {@link lines}. `maxFrameLength` bounds a line without its
 * terminator; at most `maxFrameLength + 1` bytes stay buffered (a full line and a CR waiting for its LF).
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * const d = new LinesDecoder();
 * q.push(new TextEncoder().encode('hi\r\nthere'));
 * d.decode(q); // the bytes of "hi"
 * ```
 */
export class LinesDecoder implements Decoder<Uint8Array> {
  readonly maxBuffered: number;
  readonly #keepEnds: boolean;
  readonly #bound: TerminatedFrameBound;
  #scanFrom = 0;

  constructor(options: LinesOptions = {}) {
    this.#keepEnds = options.keepEnds ?? false;
    // A line of maxFrameLength bytes may wait with the CR of its CRLF; the scan is for the LF alone.
    this.#bound = new TerminatedFrameBound(options, 'lines', { buffered: 1, keep: 0 }, LINE_WORDS);
    this.maxBuffered = this.#bound.maxBuffered;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    const lf = buf.indexOf(LF, this.#scanFrom);
    const bound = this.#bound;
    if (lf < 0) {
      if (bound.overflows(buf)) {
        this.#scanFrom = 0;
        bound.discard(buf);
      } else {
        this.#scanFrom = buf.length;
      }
      return undefined;
    }
    this.#scanFrom = 0;
    if (bound.discarded >= 0) {
      // The discarded bytes may have ended with the CR of this CRLF; counting it is harmless.
      bound.endDiscard(buf, bound.discarded + lf, lf + 1);
      return this.decode(buf);
    }
    const crlf = lf > 0 && buf.byteAt(lf - 1) === CR;
    const length = crlf ? lf - 1 : lf;
    if (length > bound.max) bound.refuse(buf, length, lf + 1);
    if (this.#keepEnds) return buf.take(lf + 1);
    return buf.takeFrame(0, length, crlf ? 2 : 1);
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    return this.decode(buf) ?? this.#bound.end(buf);
  }
}

/**
 * Splits a byte stream into lines ended by `\n` or `\r\n` (Netty's `LineBasedFrameDecoder`), emitted
 * as bytes without their terminator (or with it, `keepEnds: true`) — or, with `encoding: 'utf8'` or
 * `'ascii'`, as strings (tokio's `LinesCodec`). Empty lines are emitted as empty frames.
 *
 * Bounded: a line longer than `maxFrameLength` (default 8 MiB, terminator excluded) fails as soon as
 * the buffered bytes prove it too long, before the buffer grows past `maxFrameLength + 1`, with
 * `FRAME_TOO_LONG` — or, with `onTooLong: 'skip'`, is discarded up to its newline and reported to
 * `onDrop`; decoding then resyncs on the next line.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(lines({ maxFrameLength: 1024 })); // Observable<Uint8Array>
 * connection.bytes.pipe(lines({ encoding: 'utf8' })).subscribe((line) => console.log(line));
 * ```
 */
export function lines(
  options?: LinesOptions & { readonly encoding?: undefined },
): OperatorFunction<Uint8Array, Uint8Array>;
export function lines(
  options: LinesOptions & { readonly encoding: TextEncoding },
): OperatorFunction<Uint8Array, string>;
export function lines(options: LinesOptions = {}): OperatorFunction<Uint8Array, Uint8Array | string> {
  const max = maxFrameLengthOf(options.maxFrameLength, 'lines');
  const encoding = options.encoding;
  if (encoding === undefined) return decodeWith(() => new LinesDecoder(options), options);
  if (encoding !== 'ascii' && encoding !== 'utf8') {
    throw new InvalidArgumentError(`lines: encoding must be 'ascii' or 'utf8', got ${String(encoding)}`);
  }
  return textLines({
    encoding,
    max,
    failFast: options.failFast ?? true,
    keepEnds: options.keepEnds ?? false,
    emitAtEnd: (options.atEnd ?? 'error') === 'emit',
    onTooLong: options.onTooLong ?? 'error',
    onDrop: options.onDrop,
  });
}
