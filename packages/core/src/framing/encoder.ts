/**
 * The encoder contract, the other half of a codec (tokio-util's `Encoder`): turn one message into the
 * bytes that carry it, or refuse it. {@link encodeWith} drives an encoder over a stream of messages.
 *
 * Rules an encoder keeps:
 * - `encode` returns the whole frame for one message, which the matching {@link Decoder} decodes back
 *   to an equal message (the property `checkCodec` from `@porta/core/testing` checks).
 * - It **refuses** what the wire format cannot carry by throwing {@link EncodeError} (`ENCODE`) with the
 *   reason — a length that does not fit its field, a frame over `maxFrameLength`, a line containing
 *   its terminator — never a truncated length or a frame that decodes to something else.
 * - It keeps no state between messages that changes what a later message encodes to, unless its wire
 *   format says so.
 *
 * @example
 * ```ts
 * // The encoder matching the `uint16` decoder in Decoder's example.
 * const uint16: Encoder<number> = {
 *   encode(n) {
 *     if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new EncodeError(`${n} is not a uint16`);
 *     return Uint8Array.of(n >> 8, n & 0xff);
 *   },
 * };
 * of(1, 2, 65_535).pipe(encodeWith(uint16)); // [0, 1], [0, 2], [255, 255]
 * ```
 */
export interface Encoder<T> {
  /** The bytes of one frame carrying `message`; throws {@link EncodeError} when it cannot be carried. */
  encode(message: T): Uint8Array;
}
