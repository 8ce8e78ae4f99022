// Helpers shared by the framing modules; not part of the public API.
import type { Subscriber } from 'rxjs';
import type { ChunkQueue } from '../bytes/ChunkQueue.js';
import { FrameTooLongError, InvalidArgumentError, TruncatedError } from '../errors.js';
import { type BoundedDecoderOptions, DEFAULT_MAX_FRAME_LENGTH, type TooLongPolicy } from './Decoder.js';
import type { LengthFieldLength } from './lengthField.js';

/** Checks an integer option given by the programmer (not the peer). */
export function assertInteger(n: number, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, got ${String(n)}`);
  }
  return n;
}

/** The `maxFrameLength` option with its default, checked. */
export function maxFrameLengthOf(value: number | undefined, what: string): number {
  return assertInteger(value ?? DEFAULT_MAX_FRAME_LENGTH, `${what}: maxFrameLength`, 0);
}

/** Accepts a delimiter as bytes or as a string (encoded as UTF-8). */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/** The length-field options `lengthField` and `prependLength` share. */
interface LengthFieldFormatOptions {
  readonly lengthFieldLength?: LengthFieldLength;
  readonly byteOrder?: 'big' | 'little';
  readonly lengthAdjustment?: number;
}

/** The width, byte order and adjustment of a length field, with defaults applied and checked. */
export function lengthFieldFormatOf(
  options: LengthFieldFormatOptions,
  what: string,
): { readonly size: LengthFieldLength; readonly littleEndian: boolean; readonly adjustment: number } {
  const size = options.lengthFieldLength ?? 4;
  if (size !== 1 && size !== 2 && size !== 3 && size !== 4 && size !== 8) {
    throw new InvalidArgumentError(`${what}: lengthFieldLength must be 1, 2, 3, 4 or 8, got ${String(size)}`);
  }
  const byteOrder = options.byteOrder ?? 'big';
  if (byteOrder !== 'big' && byteOrder !== 'little') {
    throw new InvalidArgumentError(`${what}: byteOrder must be 'big' or 'little', got ${String(byteOrder)}`);
  }
  const adjustment = assertInteger(
    options.lengthAdjustment ?? 0,
    `${what}: lengthAdjustment`,
    Number.MIN_SAFE_INTEGER,
  );
  return { size, littleEndian: byteOrder === 'little', adjustment };
}

/**
 * The too-long policy of one subscription: the returned function errors `subscriber` with the error
 * (`'error'`), or counts the drop and tells `onDrop` (`'skip'`). It returns false when the output has
 * errored (by the policy, or because `onDrop` threw).
 */
export function tooLongHandler(
  options: { readonly onTooLong?: TooLongPolicy; readonly onDrop?: BoundedDecoderOptions['onDrop'] },
  subscriber: Subscriber<unknown>,
): (error: FrameTooLongError) => boolean {
  const skip = (options.onTooLong ?? 'error') === 'skip';
  const onDrop = options.onDrop;
  let dropped = 0;
  return (error) => {
    if (!skip) {
      subscriber.error(error);
      return false;
    }
    dropped++;
    try {
      onDrop?.(error, dropped);
    } catch (callbackError) {
      subscriber.error(callbackError);
      return false;
    }
    return true;
  };
}

/** Bytes of a frame shown in a {@link FrameTooLongError} when the frame has no header. */
export const PREVIEW_BYTES = 16;

/** A {@link FrameTooLongError} for a frame without a header: the preview is the frame's first bytes. */
export function frameTooLong(length: number, max: number, firstBytes: Uint8Array): FrameTooLongError {
  return new FrameTooLongError(length, max, firstBytes, 'first bytes');
}

/** The words of the end-of-stream errors of a terminated framing. */
export interface TerminatorWords {
  /** What was being discarded when the stream ended: "oversized line (no terminator)". */
  readonly oversized: string;
  /** What ended without its terminator: "line (no final newline)". */
  readonly unterminated: string;
}

/**
 * The bound, the discard mode and the end-of-stream rules of a decoder that scans for a terminator
 * (`lines`, `delimited`), Netty's way: a frame found too long is discarded up to its terminator, the
 * error coming at once (fail-fast) or when the terminator arrives (fail-slow), and the decoder then
 * resyncs. The decoder keeps its own scan (the hot path); this holds what happens off it.
 */
export class TerminatedFrameBound {
  readonly max: number;
  /** The most bytes the decoder buffers without finding a terminator. */
  readonly maxBuffered: number;
  /** Bytes of an oversized frame discarded so far; -1 when not discarding. */
  discarded = -1;
  /** Bytes kept back while discarding: those that may begin a terminator split across chunks. */
  readonly #keep: number;
  readonly #failFast: boolean;
  readonly #emitAtEnd: boolean;
  readonly #words: TerminatorWords;
  #pendingPreview: Uint8Array | undefined;

  constructor(
    options: BoundedDecoderOptions & { readonly atEnd?: 'error' | 'emit' },
    what: string,
    slack: { readonly buffered: number; readonly keep: number },
    words: TerminatorWords,
  ) {
    this.max = maxFrameLengthOf(options.maxFrameLength, what);
    this.maxBuffered = this.max + slack.buffered;
    this.#keep = slack.keep;
    this.#failFast = options.failFast ?? true;
    this.#emitAtEnd = (options.atEnd ?? 'error') === 'emit';
    this.#words = words;
  }

  /** True when the buffer, holding no terminator, must be discarded from (it is, or proves, too long). */
  overflows(buf: ChunkQueue): boolean {
    return this.discarded >= 0 || buf.length > this.maxBuffered;
  }

  /**
   * No terminator is buffered and {@link overflows} said so: discards what cannot begin a terminator,
   * entering the discard mode if needed (and throwing there in fail-fast mode).
   */
  discard(buf: ChunkQueue): void {
    const n = Math.max(0, buf.length - this.#keep);
    if (this.discarded >= 0) {
      buf.skip(n);
      this.discarded += n;
      return;
    }
    const seen = buf.length;
    const preview = buf.peekCopy(0, Math.min(PREVIEW_BYTES, seen));
    buf.skip(n);
    this.discarded = n;
    if (this.#failFast) throw frameTooLong(seen, this.max, preview);
    this.#pendingPreview = preview;
  }

  /**
   * The terminator of the frame being discarded is found: drops `consumed` bytes (up to and including
   * it) and leaves the discard mode; in fail-slow mode, throws with the frame's `total` length.
   */
  endDiscard(buf: ChunkQueue, total: number, consumed: number): void {
    buf.skip(consumed);
    this.discarded = -1;
    const preview = this.#pendingPreview;
    if (preview !== undefined) {
      this.#pendingPreview = undefined;
      throw frameTooLong(total, this.max, preview);
    }
  }

  /** A whole frame of `length` bytes (`consumed` with its terminator) is too long: drops it and throws. */
  refuse(buf: ChunkQueue, length: number, consumed: number): never {
    const preview = buf.peekCopy(0, Math.min(PREVIEW_BYTES, length));
    buf.skip(consumed);
    throw frameTooLong(length, this.max, preview);
  }

  /** `decodeEnd` once `decode` found no frame: the last frame without a terminator, if allowed. */
  end(buf: ChunkQueue): Uint8Array | undefined {
    if (this.discarded >= 0) {
      throw new TruncatedError(undefined, this.discarded + buf.length, this.#words.oversized);
    }
    const length = buf.length;
    if (length === 0) return undefined;
    if (!this.#emitAtEnd) throw new TruncatedError(undefined, length, this.#words.unterminated);
    if (length > this.max) this.refuse(buf, length, length);
    return buf.take(length);
  }
}
