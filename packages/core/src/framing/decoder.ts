import type { ChunkQueue } from '../bytes/chunkQueue.js';
import type { FrameTooLongError } from '../errors.js';

/**
 * The decoder contract (tokio-util's `Decoder`): look at the buffered bytes and return one frame, or
 * `undefined` for "need more bytes". {@link decodeWith} drives a decoder over a byte stream.
 *
 * Rules a decoder keeps:
 * - `decode` consumes exactly the bytes of the frame it returns (and of any bytes it discards), and
 *   nothing when it returns `undefined` except bytes it is discarding.
 * - It is **bounded**: between calls it leaves at most {@link Decoder.maxBuffered} bytes in the queue,
 *   and it never allocates from a declared length: a frame is copied out only once all its bytes are
 *   there.
 * - On bad input it throws a {@link PortaError}. A {@link FrameTooLongError} is recoverable: before
 *   throwing it, the decoder puts itself in a state that discards the rest of the oversized frame, so
 *   calling `decode` again resyncs on the next frame (Netty's behaviour). Any other error is final.
 *
 * @example
 * ```ts
 * // A decoder of 2-byte big-endian numbers.
 * const uint16: Decoder<number> = {
 *   decode(buf) {
 *     if (buf.length < 2) return undefined;
 *     const value = buf.readUint(0, 2, false);
 *     buf.skip(2);
 *     return value;
 *   },
 * };
 * bytes$.pipe(decodeWith(() => uint16));
 * ```
 */
export interface Decoder<T> {
  /** Returns the next frame, or `undefined` when more bytes are needed. */
  decode(buf: ChunkQueue): T | undefined;
  /**
   * Called repeatedly once the stream has ended, until it returns `undefined` (tokio's `decode_eof`).
   * It should throw a {@link TruncatedError} with the expected and received counts when the stream
   * ended inside a frame. Without it, {@link decodeWith} calls `decode` and then reports any leftover
   * bytes as a {@link TruncatedError}.
   */
  decodeEnd?(buf: ChunkQueue): T | undefined;
  /**
   * An optional fast path {@link decodeWith} calls instead of `decode`, once per chunk: emit through
   * `emit`, in order, every frame repeated `decode` calls would return (throwing what they would
   * throw), then return true, with their bytes consumed as `decode` would have consumed them — but
   * possibly many frames' bytes at once, which is what makes it faster. `emit` returns false once the
   * output is finished: then return false at once (the buffer no longer matters). `emit` may re-enter
   * the decoder (a synchronous source pushing bytes from inside it), so the decoder's state must be
   * consistent at each call.
   */
  decodeMany?(buf: ChunkQueue, emit: (frame: T) => boolean): boolean;
  /** True once the decoder wants no more input (e.g. `recvall` after its one frame). */
  readonly done?: boolean;
  /** The most bytes this decoder leaves buffered between calls (its bound, for tests and docs). */
  readonly maxBuffered?: number;
}

/**
 * What to do with a frame longer than its `maxFrameLength`:
 * - `'error'` (default): the stream errors with {@link FrameTooLongError} (`FRAME_TOO_LONG`);
 * - `'skip'`: the frame is discarded, the decoder resyncs on the next frame and the stream goes on;
 *   every dropped frame is reported to `onDrop`, so a drop is counted, never silent.
 *
 * @example
 * ```ts
 * let dropped = 0;
 * bytes$.pipe(lines({ maxFrameLength: 1024, onTooLong: 'skip', onDrop: (_err, n) => (dropped = n) }));
 * ```
 */
export type TooLongPolicy = 'error' | 'skip';

/**
 * Options shared by decoders with a frame bound.
 *
 * @example
 * ```ts
 * const bound: BoundedDecoderOptions = { maxFrameLength: 64 * 1024, failFast: false, onTooLong: 'error' };
 * bytes$.pipe(lengthField({ ...bound, lengthFieldLength: 2 }));
 * ```
 */
export interface BoundedDecoderOptions {
  /**
   * The longest frame accepted, in bytes (default 8 MiB). It is checked before the buffer grows
   * past it: for a length field, on the header, before any byte of the body is buffered.
   */
  readonly maxFrameLength?: number;
  /**
   * Netty's fail-fast (default `true`): report a too-long frame as soon as it is detected, then discard
   * its bytes as they arrive. With `false`, the frame's bytes are discarded first and the report comes
   * once the whole frame has gone by. Either way the decoder resyncs on the next frame.
   */
  readonly failFast?: boolean;
  /** See {@link TooLongPolicy}. Default `'error'`. */
  readonly onTooLong?: TooLongPolicy;
  /** Called for each frame dropped under `onTooLong: 'skip'`, with the error and the running count. */
  readonly onDrop?: (error: FrameTooLongError, dropped: number) => void;
}

/**
 * The default frame bound of every decoder: 8 MiB.
 *
 * @example
 * ```ts
 * lengthField({ maxFrameLength: 2 * DEFAULT_MAX_FRAME_LENGTH });
 * ```
 */
export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;
