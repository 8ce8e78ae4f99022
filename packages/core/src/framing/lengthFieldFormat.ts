/**
 * Width of a length field in bytes.
 *
 * @example
 * ```ts
 * const size: LengthFieldLength = 2; // a 16-bit length, frames up to 65,537 bytes with the header
 * ```
 */
export type LengthFieldLength = 1 | 2 | 3 | 4 | 8;

/**
 * The wire format of a length-field frame, one type for both halves of the codec: the same
 * `LengthFieldFormat` given to {@link lengthField} (or {@link LengthFieldDecoder}) and to
 * {@link prependLength} (or {@link LengthFieldEncoder}) decodes what it encodes.
 *
 * A frame on the wire is `[lengthFieldOffset bytes][length field][body]`, and its total length is
 * `lengthFieldOffset + lengthFieldLength + length + lengthAdjustment` (Netty's
 * `LengthFieldBasedFrameDecoder` arithmetic). `maxFrameLength` bounds that total, header included, on
 * both sides: the decoder refuses a longer frame with `FRAME_TOO_LONG`, the encoder with `ENCODE`.
 *
 * The encoder writes `[length field][body]` and so accepts only formats whose decoded frames are
 * bodies: `lengthFieldOffset` 0 and `initialBytesToStrip` equal to `lengthFieldLength` (the
 * defaults). It cannot invent the bytes before an offset field or take back a header you keep.
 *
 * @example
 * ```ts
 * // A 2-byte little-endian length that counts itself: [len = 2 + body][body]
 * const format: LengthFieldFormat = { lengthFieldLength: 2, byteOrder: 'little', lengthAdjustment: -2 };
 * const bodies$ = bytes$.pipe(lengthField(format)); // bodies
 * bodies$.pipe(prependLength(format)); // the same frames back
 * ```
 */
export interface LengthFieldFormat {
  /** Bytes before the length field (default 0). Decoder only. */
  readonly lengthFieldOffset?: number;
  /** Width of the length field: 1, 2, 3, 4 (default) or 8 bytes. */
  readonly lengthFieldLength?: LengthFieldLength;
  /** Byte order of the length field (default `'big'`, network order). */
  readonly byteOrder?: 'big' | 'little';
  /**
   * Added to the length field's value to get the length of what follows the field (default 0): the
   * encoder writes `body length - lengthAdjustment`. Use `-lengthFieldLength` when the length counts
   * the field itself.
   */
  readonly lengthAdjustment?: number;
  /**
   * Shorthand for a length that counts the field itself: adds `-lengthFieldLength` to
   * `lengthAdjustment` (default `false`; Netty's prepender option).
   */
  readonly lengthIncludesLengthFieldLength?: boolean;
  /**
   * Bytes removed from the front of each decoded frame. Default: the whole header
   * (`lengthFieldOffset + lengthFieldLength`), so frames are payloads; 0 keeps the header. Decoder only.
   */
  readonly initialBytesToStrip?: number;
  /** The longest frame on the wire, header included (default 8 MiB), checked by both halves. */
  readonly maxFrameLength?: number;
}
