import type { ChunkQueue } from '../bytes/chunkQueue.js';
import { type TextEncoding, TextStreamDecoder } from '../text/textStreamDecoder.js';
import type { Decoder } from './decoder.js';
import { frameTooLong, PREVIEW_BYTES } from './internal/frameTooLong.js';
import { LinesDecoder, type LinesOptions } from './linesDecoder.js';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Options of {@link TextLinesDecoder}: those of {@link lines} with the encoding required.
 *
 * @example
 * ```ts
 * const options: TextLinesOptions = { encoding: 'ascii', maxFrameLength: 80 };
 * ```
 */
export interface TextLinesOptions extends LinesOptions {
  readonly encoding: TextEncoding;
}

/**
 * Decodes lines as strings: by definition a {@link LinesDecoder} whose every line is then decoded
 * strictly (as `decodeText(encoding, { stream: false })` does), so lines, `FRAME_TOO_LONG` drops,
 * `DECODE` errors and end-of-stream rules are those of `lines()` + per-line decoding, however the
 * bytes were chunked (a property test checks it).
 *
 * The fast path keeps that meaning: the complete lines at the front of the buffer are decoded with one
 * call, and lines are then cut from the text (a string slice per line, no byte view). Since `\n` is
 * never part of a UTF-8 sequence, that text decodes validly exactly when every line in it does; when
 * it does not, those lines go through the per-line path, which finds the bad line.
 *
 * @example
 * ```ts
 * bytes$.pipe(decodeWith(() => new TextLinesDecoder({ encoding: 'utf8', maxFrameLength: 4096 })));
 * ```
 */
export class TextLinesDecoder implements Decoder<string> {
  readonly maxBuffered: number;
  readonly #lines: LinesDecoder;
  readonly #max: number;
  readonly #asciiOnly: boolean;
  readonly #keepEnds: boolean;
  readonly #strict: TextStreamDecoder;
  readonly #bulk = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The text of the complete lines at the front of the buffer, and where the next one starts in it. */
  #text = '';
  #at = 0;
  /** The bytes `#text` was decoded from (for byte counts when the text is not ASCII), and the offset. */
  #bytes: Uint8Array = EMPTY;
  #byteAt = 0;
  #textIsAscii = true;
  /** `#text` is ASCII, no line in it can exceed the bound, and line ends are stripped. */
  #simple = false;
  /**
   * True when `#lines` holds no state about the buffered bytes (no partial scan, not discarding), so
   * the fast path may consume lines behind its back.
   */
  #inStep = true;
  /** Bytes to leave to the per-line path after a bulk decode failed (else a bad line would be re-decoded). */
  #perLine = 0;

  constructor(options: TextLinesOptions) {
    this.#lines = new LinesDecoder(options);
    this.maxBuffered = this.#lines.maxBuffered;
    this.#max = this.#lines.maxFrameLength;
    this.#asciiOnly = options.encoding === 'ascii';
    this.#keepEnds = options.keepEnds ?? false;
    this.#strict = new TextStreamDecoder(options.encoding, false);
  }

  decode(buf: ChunkQueue): string | undefined {
    // The hot path, kept small enough for the engine to inline into decodeWith's loop: the next line
    // of decoded ASCII text whose lines all fit the bound, line ends stripped.
    const text = this.#text;
    const at = this.#at;
    if (this.#simple && at < text.length) {
      const lf = text.indexOf('\n', at);
      this.#at = lf + 1;
      buf.skip(lf + 1 - at);
      return lf > at && text.charCodeAt(lf - 1) === CR ? text.slice(at, lf - 1) : text.slice(at, lf);
    }
    return this.#decodeOther(buf);
  }

  #decodeOther(buf: ChunkQueue): string | undefined {
    const text = this.#text;
    const at = this.#at;
    if (at < text.length) {
      const lf = text.indexOf('\n', at);
      this.#at = lf + 1;
      const crlf = lf > at && text.charCodeAt(lf - 1) === CR;
      let consumed: number;
      if (this.#textIsAscii) {
        consumed = lf + 1 - at;
      } else {
        const byteLf = this.#bytes.indexOf(LF, this.#byteAt);
        consumed = byteLf + 1 - this.#byteAt;
        this.#byteAt = byteLf + 1;
      }
      const length = consumed - (crlf ? 2 : 1);
      if (length > this.#max) this.#refuse(buf, length, consumed);
      buf.skip(consumed);
      return this.#keepEnds ? text.slice(at, lf + 1) : text.slice(at, crlf ? lf - 1 : lf);
    }
    if (this.#inStep && this.#perLine <= 0 && this.#fill(buf)) return this.decode(buf);
    return this.#perLineDecode(buf);
  }

  /** A line through `#lines`, then decoded on its own. */
  #perLineDecode(buf: ChunkQueue): string | undefined {
    const before = buf.length;
    // Out of step until `#lines` returns a line: it may leave a partial scan or a discard behind.
    this.#inStep = false;
    let line: Uint8Array | undefined;
    try {
      line = this.#lines.decode(buf);
    } finally {
      this.#perLine -= before - buf.length;
    }
    this.#inStep = line !== undefined;
    return line === undefined ? undefined : this.#strict.decode(line);
  }

  #refuse(buf: ChunkQueue, length: number, consumed: number): never {
    const preview = buf.peekCopy(0, Math.min(PREVIEW_BYTES, length));
    buf.skip(consumed);
    throw frameTooLong(length, this.#max, preview);
  }

  decodeEnd(buf: ChunkQueue): string | undefined {
    const line = this.decode(buf);
    if (line !== undefined) return line;
    // decode ended on the per-line path, so `#lines` is in step with the buffer.
    const last = this.#lines.decodeEnd(buf);
    return last === undefined ? undefined : this.#strict.decode(last);
  }

  /** Decodes the complete lines of the buffer's first chunk at once; false when there are none or they are invalid. */
  #fill(buf: ChunkQueue): boolean {
    const head = buf.head();
    const lf = head.lastIndexOf(LF);
    if (lf < 0) return false;
    const bytes = lf + 1 === head.length ? head : head.subarray(0, lf + 1);
    let text: string;
    try {
      text = this.#bulk.decode(bytes);
    } catch {
      this.#perLine = bytes.length;
      return false;
    }
    const ascii = text.length === bytes.length;
    if (this.#asciiOnly && !ascii) {
      this.#perLine = bytes.length;
      return false;
    }
    this.#text = text;
    this.#at = 0;
    this.#bytes = bytes;
    this.#byteAt = 0;
    this.#textIsAscii = ascii;
    this.#simple = ascii && !this.#keepEnds && bytes.length <= this.#max;
    return true;
  }
}
