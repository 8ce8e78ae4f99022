import { map, type OperatorFunction } from 'rxjs';
import { EncodeError } from '../errors.js';
import { lengthFieldFormatOf } from './internal.js';
import type { LengthFieldLength } from './lengthField.js';

/**
 * Options of {@link prependLength} (Netty's `LengthFieldPrepender`).
 *
 * @example
 * ```ts
 * const options: PrependLengthOptions = { lengthFieldLength: 2, byteOrder: 'little' };
 * ```
 */
export interface PrependLengthOptions {
  /** Width of the length field: 1, 2, 3, 4 (default) or 8 bytes. */
  readonly lengthFieldLength?: LengthFieldLength;
  /** Byte order of the length field (default `'big'`). */
  readonly byteOrder?: 'big' | 'little';
  /** Added to the payload length before it is written (default 0). */
  readonly lengthAdjustment?: number;
  /** Whether the written length counts the length field itself (default `false`). */
  readonly lengthIncludesLengthFieldLength?: boolean;
}

/**
 * Encodes one frame: the length field followed by `payload`, in one new array.
 * @throws {@link EncodeError} when the length does not fit the field or is negative.
 *
 * @example
 * ```ts
 * encodeLengthPrefixed(Uint8Array.of(0x68, 0x69), { lengthFieldLength: 2 }); // [0, 2, 0x68, 0x69]
 * ```
 */
export function encodeLengthPrefixed(payload: Uint8Array, options: PrependLengthOptions = {}): Uint8Array {
  const size = options.lengthFieldLength ?? 4;
  const littleEndian = (options.byteOrder ?? 'big') === 'little';
  let length = payload.length + (options.lengthAdjustment ?? 0);
  if (options.lengthIncludesLengthFieldLength === true) length += size;
  const limit = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
  if (length < 0 || length > limit) {
    throw new EncodeError(
      `a frame of ${payload.length} bytes needs a length of ${length}, which does not fit a ` +
        `${size}-byte length field (0 to ${limit})`,
    );
  }
  const out = new Uint8Array(size + payload.length);
  let value = length;
  for (let i = 0; i < size; i++) {
    out[littleEndian ? i : size - 1 - i] = value % 256;
    value = Math.floor(value / 256);
  }
  out.set(payload, size);
  return out;
}

/**
 * Prefixes every payload with its length: the encoder matching {@link lengthField} with the same
 * options. A payload whose length does not fit the field errors with `ENCODE` instead of writing a
 * truncated length (a 6 MiB frame behind a 2-byte field is refused).
 *
 * @example
 * ```ts
 * of(new TextEncoder().encode('hello')).pipe(prependLength({ lengthFieldLength: 2 })); // [0, 5, ...hello]
 * ```
 */
export function prependLength(options: PrependLengthOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  lengthFieldFormatOf(options, 'prependLength');
  return map((payload) => encodeLengthPrefixed(payload, options));
}
