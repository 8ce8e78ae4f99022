import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/ChunkQueue.js';
import { FrameTooLongError, InvalidArgumentError, TruncatedError } from '../errors.js';
import type { TextEncoding } from '../text/TextStreamDecoder.js';
import type { BoundedDecoderOptions, Decoder } from './Decoder.js';
import { decodeWith } from './decodeWith.js';
import { maxFrameLengthOf } from './internal.js';
import { textLines } from './textLines.js';

const LF = 0x0a;
const CR = 0x0d;
const PREVIEW = 16;

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
  readonly #max: number;
  readonly #failFast: boolean;
  readonly #emitAtEnd: boolean;
  #scanFrom = 0;
  /** Bytes of an oversized line discarded so far; -1 when not discarding. */
  #discarded = -1;
  #pendingPreview: Uint8Array | undefined;

  constructor(options: LinesOptions = {}) {
    this.#keepEnds = options.keepEnds ?? false;
    this.#max = maxFrameLengthOf(options.maxFrameLength, 'lines');
    this.#failFast = options.failFast ?? true;
    this.#emitAtEnd = (options.atEnd ?? 'error') === 'emit';
    this.maxBuffered = this.#max + 1;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    const lf = buf.indexOf(LF, this.#scanFrom);
    if (lf < 0) {
      this.#scanFrom = buf.length;
      if (this.#discarded >= 0) {
        this.#discarded += buf.length;
        buf.skip(buf.length);
        this.#scanFrom = 0;
      } else if (buf.length > this.#max + 1) {
        this.#tooLong(buf);
      }
      return undefined;
    }
    this.#scanFrom = 0;
    if (this.#discarded >= 0) {
      this.#endDiscard(buf, lf);
      return this.decode(buf);
    }
    const crlf = lf > 0 && buf.byteAt(lf - 1) === CR;
    const length = crlf ? lf - 1 : lf;
    if (length > this.#max) {
      const preview = buf.peekCopy(0, Math.min(PREVIEW, length));
      buf.skip(lf + 1);
      throw new FrameTooLongError(length, this.#max, preview);
    }
    if (this.#keepEnds) return buf.take(lf + 1);
    const line = buf.take(length);
    buf.skip(crlf ? 2 : 1);
    return line;
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const line = this.decode(buf);
    if (line !== undefined) return line;
    if (this.#discarded >= 0) {
      throw new TruncatedError(undefined, this.#discarded + buf.length, 'oversized line (no terminator)');
    }
    if (buf.length === 0) return undefined;
    if (!this.#emitAtEnd) throw new TruncatedError(undefined, buf.length, 'line (no final newline)');
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

  #tooLong(buf: ChunkQueue): void {
    const preview = buf.peekCopy(0, Math.min(PREVIEW, buf.length));
    const seen = buf.length;
    this.#discarded = seen;
    buf.skip(seen);
    this.#scanFrom = 0;
    if (this.#failFast) throw new FrameTooLongError(seen, this.#max, preview);
    this.#pendingPreview = preview;
  }

  #endDiscard(buf: ChunkQueue, lf: number): undefined {
    // The discarded bytes may have ended with the CR of this CRLF; counting it is harmless.
    const total = this.#discarded + lf;
    buf.skip(lf + 1);
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
