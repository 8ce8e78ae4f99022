import type { OperatorFunction } from 'rxjs';
import { EncodeError, InvalidArgumentError } from '../errors.js';
import type { Encoder } from './encoder.js';
import { encodeWith } from './encodeWith.js';
import { type ResolvedLengthFieldFormat, resolveLengthFieldFormat } from './internal/lengthFieldFormat.js';
import type { LengthFieldFormat } from './lengthFieldFormat.js';

/**
 * Options of {@link prependLength}: the wire format, the same type {@link lengthField} takes.
 *
 * @example
 * ```ts
 * const options: PrependLengthOptions = { lengthFieldLength: 2, byteOrder: 'little' };
 * ```
 */
export type PrependLengthOptions = LengthFieldFormat;

/**
 * The encoder half of the length-field codec (Netty's `LengthFieldPrepender`, tokio's
 * `LengthDelimitedCodec` encoder): writes `[length field][body]` so that a {@link LengthFieldDecoder}
 * with the same {@link LengthFieldFormat} decodes the body back.
 *
 * The field holds `body length - lengthAdjustment`. A body whose field value would be negative or not
 * fit the field, or whose frame (header included) would exceed `maxFrameLength` (default 8 MiB), is
 * refused with {@link EncodeError}, never written with a truncated length. A format the encoder
 * cannot invert (a `lengthFieldOffset`, or an `initialBytesToStrip` other than the field's length) is
 * an `INVALID_ARGUMENT` when the encoder is made.
 *
 * @example
 * ```ts
 * const encoder = new LengthFieldEncoder({ lengthFieldLength: 2 });
 * encoder.encode(Uint8Array.of(0x68, 0x69)); // Uint8Array [0, 2, 0x68, 0x69]
 * ```
 */
export class LengthFieldEncoder implements Encoder<Uint8Array> {
  readonly #f: ResolvedLengthFieldFormat;

  constructor(format: LengthFieldFormat = {}) {
    const f = resolveLengthFieldFormat(format, 'prependLength');
    if (f.offset !== 0) {
      throw new InvalidArgumentError(
        `prependLength: cannot write lengthFieldOffset ${f.offset}: the bytes before the length field are not ` +
          'part of the message (prepend them after encoding, and decode with initialBytesToStrip)',
      );
    }
    if (f.strip !== f.size) {
      throw new InvalidArgumentError(
        `prependLength: initialBytesToStrip must be the lengthFieldLength (${f.size}), got ${f.strip}: ` +
          'the encoder takes bodies, so the decoder must strip exactly the length field',
      );
    }
    this.#f = f;
  }

  encode(body: Uint8Array): Uint8Array {
    const { size, littleEndian, adjustment, max, fieldMax } = this.#f;
    const value = body.length - adjustment;
    if (value < 0 || value > fieldMax) {
      throw new EncodeError(
        `a frame of ${body.length} bytes needs a length of ${value}, which does not fit a ` +
          `${size}-byte length field (0 to ${fieldMax})`,
      );
    }
    const frameLength = size + body.length;
    if (frameLength > max) {
      throw new EncodeError(
        `a frame of ${frameLength} bytes (${body.length} + a ${size}-byte length field) exceeds maxFrameLength ${max}`,
      );
    }
    const out = new Uint8Array(frameLength);
    let rest = value;
    for (let i = 0; i < size; i++) {
      out[littleEndian ? i : size - 1 - i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    out.set(body, size);
    return out;
  }
}

/**
 * Encodes one frame: the length field followed by `payload`, in one new array (a one-off
 * {@link LengthFieldEncoder}; make one encoder and reuse it for many frames).
 * @throws {@link EncodeError} when the frame cannot be carried by the format.
 *
 * @example
 * ```ts
 * encodeLengthPrefixed(Uint8Array.of(0x68, 0x69), { lengthFieldLength: 2 }); // [0, 2, 0x68, 0x69]
 * ```
 */
export function encodeLengthPrefixed(payload: Uint8Array, options?: PrependLengthOptions): Uint8Array {
  return (options === undefined ? defaultEncoder() : new LengthFieldEncoder(options)).encode(payload);
}

let defaultLengthFieldEncoder: LengthFieldEncoder | undefined;

/** The default-format encoder, made once: `encodeLengthPrefixed(payload)` is called per frame. */
function defaultEncoder(): LengthFieldEncoder {
  defaultLengthFieldEncoder ??= new LengthFieldEncoder();
  return defaultLengthFieldEncoder;
}

/**
 * Prefixes every payload with its length: {@link LengthFieldEncoder} as an operator, the encoder
 * matching {@link lengthField} with the same options. A payload the format cannot carry (a 6 MiB frame
 * behind a 2-byte field, a frame over `maxFrameLength`) errors with `ENCODE`.
 *
 * @example
 * ```ts
 * of(new TextEncoder().encode('hello')).pipe(prependLength({ lengthFieldLength: 2 })); // [0, 5, ...hello]
 * ```
 */
export function prependLength(options: PrependLengthOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  return encodeWith(new LengthFieldEncoder(options));
}
