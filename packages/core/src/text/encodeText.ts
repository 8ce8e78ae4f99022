import { map, type OperatorFunction } from 'rxjs';
import { EncodeError } from '../errors.js';
import { checkOneOf } from '../optionChecks.js';
import type { TextEncoding } from './decodeText.js';

const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Encodes one string. Strict both ways: under `'ascii'` a character above U+007F, and under `'utf8'`
 * a lone surrogate (which UTF-8 cannot carry), throw {@link EncodeError} naming the index.
 *
 * @example
 * ```ts
 * encodeString('Enviei, servidor', 'ascii'); // 16 bytes
 * ```
 */
export function encodeString(text: string, encoding: TextEncoding): Uint8Array {
  if (encoding === 'ascii') {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        throw new EncodeError(`character U+${c.toString(16).padStart(4, '0')} at index ${i} is not ASCII`);
      }
      out[i] = c;
    }
    return out;
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) {
    throw new EncodeError(`lone surrogate at index ${lone.index} cannot be encoded as UTF-8`);
  }
  return encoder.encode(text);
}

/**
 * Encodes strings to bytes (see {@link encodeString}); a string the encoding cannot carry errors with
 * `ENCODE` instead of being replaced with `?` or U+FFFD.
 *
 * @example
 * ```ts
 * of('Enviei, servidor').pipe(encodeText('ascii'), mergeMap((bytes) => connection.send(bytes)));
 * ```
 */
export function encodeText(encoding: TextEncoding): OperatorFunction<string, Uint8Array> {
  checkOneOf(encoding, 'encodeText: encoding', ['ascii', 'utf8']);
  return map((text) => encodeString(text, encoding));
}
