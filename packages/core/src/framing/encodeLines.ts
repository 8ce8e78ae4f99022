import { map, type OperatorFunction } from 'rxjs';
import { EncodeError, InvalidArgumentError } from '../errors.js';

/**
 * Options of {@link encodeLines}.
 *
 * @example
 * ```ts
 * const crlf: EncodeLinesOptions = { ending: '\r\n' };
 * ```
 */
export interface EncodeLinesOptions {
  /** The terminator appended to each line: `'\n'` (default) or `'\r\n'`. */
  readonly ending?: '\n' | '\r\n';
}

const encoder = new TextEncoder();

/**
 * Encodes each value as one line: strings as UTF-8, bytes as they are, followed by the terminator.
 * A value that already contains `\n` errors with `ENCODE`: it would arrive as two lines.
 *
 * @example
 * ```ts
 * of('hello', 'world').pipe(encodeLines({ ending: '\r\n' })); // "hello\r\n", "world\r\n" as bytes
 * ```
 */
export function encodeLines(
  options: EncodeLinesOptions = {},
): OperatorFunction<Uint8Array | string, Uint8Array> {
  const ending = options.ending ?? '\n';
  if (ending !== '\n' && ending !== '\r\n') {
    throw new InvalidArgumentError(
      `encodeLines: ending must be '\\n' or '\\r\\n', got ${JSON.stringify(ending)}`,
    );
  }
  const terminator = encoder.encode(ending);
  return map((value) => {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    const lf = bytes.indexOf(0x0a);
    if (lf >= 0) {
      throw new EncodeError(`a line of ${bytes.length} bytes contains a newline at offset ${lf}`);
    }
    const out = new Uint8Array(bytes.length + terminator.length);
    out.set(bytes, 0);
    out.set(terminator, bytes.length);
    return out;
  });
}
