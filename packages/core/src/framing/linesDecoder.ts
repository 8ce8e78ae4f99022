import type { ChunkQueue } from '../bytes/chunkQueue.js';
import type { TextEncoding } from '../text/textStreamDecoder.js';
import type { BoundedDecoderOptions, Decoder } from './decoder.js';
import { TerminatedFrameBound, type TerminatorWords } from './internal/terminatedFrameBound.js';

const LF = 0x0a;
const CR = 0x0d;

const LINE_WORDS: TerminatorWords = {
  oversized: 'oversized line (no terminator)',
  unterminated: 'line (no final newline)',
};

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
   * with `TRUNCATED`; `'emit'` emits it as tokio's `LinesCodec` does — a lone `\r` left at the end is
   * no line, and the `\r` ending an unterminated last line is its line end (stripped unless `keepEnds`).
   */
  readonly atEnd?: 'error' | 'emit';
  /**
   * Emit strings instead of bytes: the same lines as `lines()` followed by a strict per-line
   * {@link decodeText} (`stream: false`), errors and drops included, for every chunking; invalid input
   * errors with `DECODE`. Faster than that pipeline: the complete lines of a chunk are decoded with one
   * call and cut from the text. `maxFrameLength` still counts bytes.
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
  /** The longest line accepted, terminator excluded. */
  readonly maxFrameLength: number;
  readonly #keepEnds: boolean;
  readonly #bound: TerminatedFrameBound;
  #scanFrom = 0;

  constructor(options: LinesOptions = {}) {
    this.#keepEnds = options.keepEnds ?? false;
    // A line of maxFrameLength bytes may wait with the CR of its CRLF; the scan is for the LF alone.
    this.#bound = new TerminatedFrameBound(options, 'lines', { buffered: 1, keep: 0 }, LINE_WORDS);
    this.maxBuffered = this.#bound.maxBuffered;
    this.maxFrameLength = this.#bound.max;
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
    const line = this.decode(buf);
    if (line !== undefined) return line;
    const bound = this.#bound;
    const n = buf.length;
    if (bound.emitAtEnd && bound.discarded < 0 && n > 0 && buf.byteAt(n - 1) === CR) {
      // tokio's LinesCodec: a lone CR is a CRLF cut short, not a line; the CR ending a last line is
      // its line end.
      if (n === 1) {
        buf.skip(1);
        return undefined;
      }
      if (n - 1 > bound.max) bound.refuse(buf, n - 1, n);
      return this.#keepEnds ? buf.take(n) : buf.takeFrame(0, n - 1, 1);
    }
    return bound.end(buf);
  }
}
