import type { OperatorFunction } from 'rxjs';
import type { ChunkQueue } from '../bytes/chunkQueue.js';
import { CorruptFrameError, FrameTooLongError, TruncatedError } from '../errors.js';
import type { BoundedDecoderOptions, Decoder } from './decoder.js';
import { decodeWith } from './decodeWith.js';
import { type ResolvedLengthFieldFormat, resolveLengthFieldFormat } from './internal/lengthFieldFormat.js';
import type { LengthFieldFormat } from './lengthFieldFormat.js';

/**
 * Options of {@link lengthField}: the wire format ({@link LengthFieldFormat}, shared with
 * {@link prependLength}) and what to do with a frame over `maxFrameLength`.
 *
 * @example
 * ```ts
 * // [magic: 2 bytes][length: 2 bytes, counts the whole frame][body] → the body
 * const options: LengthFieldOptions = {
 *   lengthFieldOffset: 2,
 *   lengthFieldLength: 2,
 *   lengthAdjustment: -4,
 *   initialBytesToStrip: 4,
 *   onTooLong: 'skip',
 * };
 * ```
 */
export interface LengthFieldOptions extends LengthFieldFormat, BoundedDecoderOptions {}

/**
 * Decodes length-field frames (Netty's `LengthFieldBasedFrameDecoder`, tokio's
 * `LengthDelimitedCodec`). See {@link lengthField} for the behaviour.
 *
 * Bounded: at most `maxFrameLength - 1` bytes stay buffered. A frame whose header declares more than
 * `maxFrameLength` fails on the header, before its body is buffered, and its bytes are then discarded
 * as they arrive, so calling `decode` again after the {@link FrameTooLongError} resyncs on the next
 * frame.
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * const d = new LengthFieldDecoder({ lengthFieldLength: 2 });
 * q.push(Uint8Array.of(0, 2, 0x68, 0x69));
 * d.decode(q); // Uint8Array [0x68, 0x69]
 * ```
 */
export class LengthFieldDecoder implements Decoder<Uint8Array> {
  readonly maxBuffered: number;
  readonly #f: ResolvedLengthFieldFormat;
  readonly #failFast: boolean;
  readonly #headerEnd: number;
  /** The default format: 4-byte big-endian length of the payload at offset 0, header stripped. */
  readonly #plain: boolean;
  readonly #maxBody: number;
  /** Length of the frame whose header was read and whose body is still arriving; -1 between frames. */
  #frameLength = -1;
  /** Bytes of an oversized frame still to discard. */
  #discard = 0;
  /** The error to throw once discarding ends (fail-slow). */
  #pending: FrameTooLongError | undefined;
  /** Length of the oversized frame being discarded (for TRUNCATED at end of stream). */
  #discardFrame = 0;

  constructor(options: LengthFieldOptions = {}) {
    const f = resolveLengthFieldFormat(options, 'lengthField');
    this.#f = f;
    this.#failFast = options.failFast ?? true;
    this.#headerEnd = f.offset + f.size;
    this.maxBuffered = f.max - 1;
    this.#plain = f.offset === 0 && f.size === 4 && !f.littleEndian && f.adjustment === 0 && f.strip === 4;
    this.#maxBody = f.max - 4;
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    if (this.#plain && this.#frameLength < 0 && this.#discard === 0) {
      // The common format (4-byte big-endian payload length, header stripped) without the generic steps.
      const buffered = buf.length;
      if (buffered < 4) return undefined;
      const body = buf.readUint(0, 4, false);
      if (body <= this.#maxBody) {
        if (buffered - 4 < body) {
          this.#frameLength = body + 4;
          return undefined;
        }
        return buf.takeFrame(4, body);
      }
    }
    return this.#decodeGeneric(buf);
  }

  #decodeGeneric(buf: ChunkQueue): Uint8Array | undefined {
    let frameLength = this.#frameLength;
    if (frameLength < 0) {
      if (this.#discard > 0 && !this.#discarding(buf)) return undefined;
      const f = this.#f;
      const headerEnd = this.#headerEnd;
      if (buf.length < headerEnd) return undefined;
      const raw = buf.readUint(f.offset, f.size, f.littleEndian);
      frameLength = raw + f.adjustment + headerEnd;
      if (frameLength > f.max || frameLength < headerEnd || raw >= 2 ** 63) {
        return this.#badHeader(buf, raw, frameLength);
      }
    }
    if (buf.length < frameLength) {
      // Remember the header's verdict: a frame arriving in many chunks is not re-parsed per chunk.
      this.#frameLength = frameLength;
      return undefined;
    }
    this.#frameLength = -1;
    const f = this.#f;
    if (frameLength < f.strip) {
      throw new CorruptFrameError(
        `adjusted frame length ${frameLength} is less than initialBytesToStrip ${f.strip}`,
        buf.peekCopy(0, this.#headerEnd),
      );
    }
    if (f.strip > 0) buf.skip(f.strip);
    return buf.take(frameLength - f.strip);
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame !== undefined) return frame;
    if (this.#discard > 0) {
      throw new TruncatedError(this.#discardFrame, this.#discardFrame - this.#discard, 'oversized frame');
    }
    if (buf.length === 0) return undefined;
    if (buf.length < this.#headerEnd) throw new TruncatedError(this.#headerEnd, buf.length, 'frame header');
    const f = this.#f;
    const frameLength = buf.readUint(f.offset, f.size, f.littleEndian) + f.adjustment + this.#headerEnd;
    throw new TruncatedError(frameLength, buf.length);
  }

  /** Discards what it can of an oversized frame; true when it is gone and decoding may go on. */
  #discarding(buf: ChunkQueue): boolean {
    const n = Math.min(this.#discard, buf.length);
    buf.skip(n);
    this.#discard -= n;
    if (this.#discard > 0) return false;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      throw pending;
    }
    return true;
  }

  #badHeader(buf: ChunkQueue, raw: number, frameLength: number): undefined {
    const header = buf.peekCopy(0, this.#headerEnd);
    if (raw >= 2 ** 63) {
      buf.skip(this.#headerEnd);
      throw new CorruptFrameError('negative length field', header);
    }
    if (frameLength < this.#headerEnd) {
      buf.skip(this.#headerEnd);
      throw new CorruptFrameError(
        `adjusted frame length ${frameLength} (length field ${raw}, adjustment ${this.#f.adjustment}) ` +
          `is less than the header length ${this.#headerEnd}`,
        header,
      );
    }
    const error = new FrameTooLongError(frameLength, this.#f.max, header);
    if (buf.length >= frameLength) {
      // The whole frame is already here: drop it and report now, in either mode.
      buf.skip(frameLength);
      throw error;
    }
    this.#discardFrame = frameLength;
    this.#discard = frameLength - buf.length;
    buf.skip(buf.length);
    if (this.#failFast) throw error;
    this.#pending = error;
    return undefined;
  }
}

/**
 * Splits a byte stream into length-field frames: Netty's `LengthFieldBasedFrameDecoder` with its full
 * option set (see {@link LengthFieldOptions}). Defaults: a 4-byte big-endian length of the payload at
 * offset 0, header stripped, `maxFrameLength` 8 MiB, fail-fast.
 *
 * Errors: a header declaring more than `maxFrameLength` (say `ff ff ff ff`) → `FRAME_TOO_LONG` with
 * the raw header in the message, decided on the header before any allocation (with
 * `onTooLong: 'skip'` the frame is discarded instead and reported to `onDrop`); a negative length or
 * an adjusted length shorter than the header → `CORRUPT_FRAME`; end of stream inside a header or a
 * body → `TRUNCATED` with the counts.
 *
 * A frame's memory grows with the bytes that arrive; nothing is reserved from the declared length.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(lengthField({ lengthFieldLength: 2, maxFrameLength: 4096 }), decodeText('utf8'));
 * ```
 */
export function lengthField(options: LengthFieldOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  resolveLengthFieldFormat(options, 'lengthField');
  return decodeWith(() => new LengthFieldDecoder(options), options);
}
