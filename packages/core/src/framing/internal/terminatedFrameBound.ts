// The bound of the decoders that scan for a terminator (lines, delimited); not part of the public API.
import type { ChunkQueue } from '../../bytes/chunkQueue.js';
import { TruncatedError } from '../../errors.js';
import type { BoundedDecoderOptions } from '../decoder.js';
import { frameTooLong, PREVIEW_BYTES } from './frameTooLong.js';
import { maxFrameLengthOf } from './optionChecks.js';

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
  /** True when bytes left without a terminator at the end are a last frame (`atEnd: 'emit'`). */
  readonly emitAtEnd: boolean;
  /** Bytes of an oversized frame discarded so far; -1 when not discarding. */
  discarded = -1;
  /** Bytes kept back while discarding: those that may begin a terminator split across chunks. */
  readonly #keep: number;
  readonly #failFast: boolean;
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
    this.emitAtEnd = (options.atEnd ?? 'error') === 'emit';
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
    if (!this.emitAtEnd) throw new TruncatedError(undefined, length, this.#words.unterminated);
    if (length > this.max) this.refuse(buf, length, length);
    return buf.take(length);
  }
}
