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
 * it does not, those lines go through the per-line path, which finds the bad line. Under
 * {@link decodeWith}, {@link TextLinesDecoder.decodeMany} emits the lines of that text in one loop and
 * consumes their bytes once, not once per line.
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
  /** The text of the complete lines at the front of the buffer, and where the next line starts in it. */
  #text = '';
  #at = 0;
  /**
   * Where in `#text` the buffer's first byte is: the lines in `#settled`..`#at` were handed out by
   * `decodeMany` and their bytes are not consumed yet (see `#settle`).
   */
  #settled = 0;
  /** The bytes `#text` was decoded from, and the offset in them of the buffer's first byte. */
  #bytes: Uint8Array = EMPTY;
  #byteAt = 0;
  #textIsAscii = true;
  /**
   * The longest line content, in UTF-16 units, that `decodeMany` may emit without counting its bytes:
   * every line when the whole text fits the bound; else `max` for ASCII text, `max / 3` for other
   * text (a UTF-16 unit is at most 3 bytes of UTF-8). Longer lines go through `decode`, which counts.
   */
  #unitsWithinBound = 0;
  /** Counts `#fill`s, so a loop over `#text` sees that a call from inside `emit` replaced it. */
  #fills = 0;
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

  /**
   * Emits through `emit` every line {@link TextLinesDecoder.decode} would return, in one loop: the
   * lines of decoded text that fit the bound without counting their bytes (what a valid stream of
   * ordinary lines is) are cut from the text and their bytes consumed at once, when the text is used
   * up; any other line goes through `decode`. `emit` may push more bytes (a synchronous source): the
   * state is consistent at every call, so `decodeMany` or `decode` may run inside it. Returns false,
   * leaving the buffer as is, when `emit` does (the output is finished).
   */
  decodeMany(buf: ChunkQueue, emit: (line: string) => boolean): boolean {
    for (;;) {
      const text = this.#text;
      const n = text.length;
      let at = this.#at;
      if (at < n) {
        const limit = this.#unitsWithinBound;
        const keepEnds = this.#keepEnds;
        const fills = this.#fills;
        do {
          const lf = text.indexOf('\n', at);
          const end = lf > at && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
          if (end - at > limit) break;
          const next = lf + 1;
          this.#at = next;
          if (!emit(keepEnds ? text.slice(at, next) : text.slice(at, end))) return false;
          // Re-entered from inside emit: the state moved on, read it again.
          if (this.#at !== next || this.#fills !== fills) break;
          at = next;
        } while (at < n);
        if (this.#at !== at) continue;
      }
      const line = this.decode(buf);
      if (line === undefined) return true;
      if (!emit(line)) return false;
    }
  }

  decode(buf: ChunkQueue): string | undefined {
    if (this.#settled !== this.#at) this.#settle(buf);
    const text = this.#text;
    const at = this.#at;
    if (at < text.length) {
      const lf = text.indexOf('\n', at);
      const crlf = lf > at && text.charCodeAt(lf - 1) === CR;
      let consumed: number;
      if (this.#textIsAscii) {
        consumed = lf + 1 - at;
      } else {
        consumed = this.#bytes.indexOf(LF, this.#byteAt) + 1 - this.#byteAt;
        this.#byteAt += consumed;
      }
      this.#at = this.#settled = lf + 1;
      const length = consumed - (crlf ? 2 : 1);
      if (length > this.#max) this.#refuse(buf, length, consumed);
      buf.skip(consumed);
      return this.#keepEnds ? text.slice(at, lf + 1) : text.slice(at, crlf ? lf - 1 : lf);
    }
    if (this.#inStep && this.#perLine <= 0 && this.#fill(buf)) return this.decode(buf);
    return this.#perLineDecode(buf);
  }

  decodeEnd(buf: ChunkQueue): string | undefined {
    const line = this.decode(buf);
    if (line !== undefined) return line;
    // decode ended on the per-line path, so `#lines` is in step with the buffer.
    const last = this.#lines.decodeEnd(buf);
    return last === undefined ? undefined : this.#strict.decode(last);
  }

  /** Consumes the bytes of the lines `decodeMany` handed out since the last call. */
  #settle(buf: ChunkQueue): void {
    const from = this.#settled;
    const to = this.#at;
    if (from === to) return;
    let n: number;
    if (this.#textIsAscii) {
      n = to - from;
    } else if (to === this.#text.length) {
      n = this.#bytes.length - this.#byteAt;
    } else {
      // Cut short (a synchronous source re-entered): one LF in the bytes per line handed out.
      const text = this.#text;
      let byteAt = this.#byteAt;
      for (let lf = text.indexOf('\n', from); lf >= 0 && lf < to; lf = text.indexOf('\n', lf + 1)) {
        byteAt = this.#bytes.indexOf(LF, byteAt) + 1;
      }
      n = byteAt - this.#byteAt;
    }
    this.#byteAt += n;
    this.#settled = to;
    buf.skip(n);
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

  /** Decodes the complete lines of the buffer's first chunk at once; false when there are none or they are invalid. */
  #fill(buf: ChunkQueue): boolean {
    const head = buf.head();
    const lf = head.lastIndexOf(LF);
    if (lf < 0) return false;
    // A view built from the buffer: cheaper than subarray, which looks up the species constructor.
    const bytes = lf + 1 === head.length ? head : new Uint8Array(head.buffer, head.byteOffset, lf + 1);
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
    this.#fills++;
    this.#at = 0;
    this.#settled = 0;
    this.#bytes = bytes;
    this.#byteAt = 0;
    this.#textIsAscii = ascii;
    const max = this.#max;
    this.#unitsWithinBound =
      bytes.length <= max ? Number.POSITIVE_INFINITY : ascii ? max : Math.floor(max / 3);
    return true;
  }
}
