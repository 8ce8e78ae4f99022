import type { OperatorFunction } from 'rxjs';
import { EncodeError, InvalidArgumentError } from '../errors.js';
import { checkOneOf } from '../optionChecks.js';
import { encodeString } from '../text/encodeText.js';
import type { TextEncoding } from '../text/textStreamDecoder.js';
import type { Encoder } from './encoder.js';
import { encodeWith } from './encodeWith.js';

/**
 * Options of {@link encodeLines} and {@link LinesEncoder}.
 *
 * @example
 * ```ts
 * const crlf: EncodeLinesOptions = { ending: '\r\n', encoding: 'ascii' };
 * ```
 */
export interface EncodeLinesOptions {
  /** The terminator appended to each line: `'\n'` (default) or `'\r\n'`. */
  readonly ending?: '\n' | '\r\n';
  /**
   * How strings are encoded (default `'utf8'`), strictly: a character the encoding cannot carry is
   * refused, as {@link encodeString} does. Bytes are written as they are.
   */
  readonly encoding?: TextEncoding;
}

/**
 * The encoder half of the lines codec: a line (string or bytes) followed by its terminator, which
 * {@link lines} (with `encoding` for strings) decodes back. It refuses what would not come back as
 * the same line: a line containing `\n` (two lines), a line ending in `\r` (its CR would be read as
 * the start of a CRLF and stripped), and a string the encoding cannot carry.
 *
 * @example
 * ```ts
 * new LinesEncoder({ ending: '\r\n' }).encode('hi'); // the bytes of "hi\r\n"
 * ```
 */
export class LinesEncoder implements Encoder<Uint8Array | string> {
  readonly #terminator: Uint8Array;
  readonly #encoding: TextEncoding;

  constructor(options: EncodeLinesOptions = {}) {
    const ending = options.ending ?? '\n';
    if (ending !== '\n' && ending !== '\r\n') {
      throw new InvalidArgumentError(
        `encodeLines: ending must be '\\n' or '\\r\\n', got ${JSON.stringify(ending)}`,
      );
    }
    const encoding = options.encoding ?? 'utf8';
    checkOneOf(encoding, 'encodeLines: encoding', ['ascii', 'utf8']);
    this.#terminator = ending === '\n' ? Uint8Array.of(0x0a) : Uint8Array.of(0x0d, 0x0a);
    this.#encoding = encoding;
  }

  encode(line: Uint8Array | string): Uint8Array {
    const bytes = typeof line === 'string' ? encodeString(line, this.#encoding) : line;
    const lf = bytes.indexOf(0x0a);
    if (lf >= 0) {
      throw new EncodeError(`a line of ${bytes.length} bytes contains a newline at offset ${lf}`);
    }
    if (bytes[bytes.length - 1] === 0x0d) {
      throw new EncodeError(
        `a line of ${bytes.length} bytes ends in a carriage return, which would be read as part of its line end`,
      );
    }
    const terminator = this.#terminator;
    const out = new Uint8Array(bytes.length + terminator.length);
    out.set(bytes, 0);
    out.set(terminator, bytes.length);
    return out;
  }
}

/**
 * Encodes each value as one line: {@link LinesEncoder} as an operator. Strings are encoded (UTF-8 by
 * default), bytes kept as they are, and the terminator appended; a value that would not decode back
 * as the same line (it contains `\n`, ends in `\r`, or has a character the encoding cannot carry)
 * errors with `ENCODE`.
 *
 * @example
 * ```ts
 * of('hello', 'world').pipe(encodeLines({ ending: '\r\n' })); // "hello\r\n", "world\r\n" as bytes
 * ```
 */
export function encodeLines(
  options: EncodeLinesOptions = {},
): OperatorFunction<Uint8Array | string, Uint8Array> {
  return encodeWith(new LinesEncoder(options));
}
