import { type ChunkQueue, CorruptFrameError, type Decoder } from '@porta/core';
import { snappyChecksum } from './crc32c.js';
import { compressSnappyBlock, maxCompressedLength, uncompressSnappyBlock } from './snappyBlock.js';

/*
 * Snappy's framing format (framing_format.txt; golang/snappy v0.0.2's Writer and Reader, which
 * kcptun wraps around its KCP session): a stream identifier chunk `ff 06 00 00 "sNaPpY"`, then
 * chunks of a type byte, a 24-bit little-endian length and the body. 0x00: compressed data
 * (masked CRC-32C of the uncompressed bytes, then a snappy block); 0x01: uncompressed data
 * (checksum, then the bytes); 0x80–0xfe: skippable; 0x02–0x7f: reserved, an error. A chunk holds at
 * most 65536 uncompressed bytes.
 */

/** Most uncompressed bytes in one chunk. */
export const SNAPPY_MAX_BLOCK = 65536;
const STREAM_IDENTIFIER = Uint8Array.of(0xff, 6, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59);
const MAX_CHUNK_BODY = 4 + maxCompressedLength(SNAPPY_MAX_BLOCK);

/**
 * Frames `data` as golang/snappy's Writer does on a write followed by a flush: chunks of at most
 * 65536 bytes, each compressed unless that saves less than an eighth (then stored), preceded by
 * the stream identifier when `first`.
 */
export function encodeSnappyFrames(data: Uint8Array, first: boolean): Uint8Array {
  // A stored chunk is never longer than its data plus the 8-byte chunk header.
  const chunks = Math.ceil(data.length / SNAPPY_MAX_BLOCK);
  const out = new Uint8Array((first ? STREAM_IDENTIFIER.length : 0) + chunks * 8 + data.length);
  const view = new DataView(out.buffer);
  let o = 0;
  if (first) {
    out.set(STREAM_IDENTIFIER);
    o = STREAM_IDENTIFIER.length;
  }
  for (let at = 0; at < data.length; at += SNAPPY_MAX_BLOCK) {
    const plain = data.subarray(at, Math.min(data.length, at + SNAPPY_MAX_BLOCK));
    const compressed = compressSnappyBlock(plain);
    const stored = compressed.length >= plain.length - Math.floor(plain.length / 8);
    const body = stored ? plain : compressed;
    // Type byte, then the 24-bit length of checksum + body.
    view.setUint32(o, ((4 + body.length) << 8) | (stored ? 0x01 : 0x00), true);
    view.setUint32(o + 4, snappyChecksum(plain), true);
    out.set(body, o + 8);
    o += 8 + body.length;
  }
  return out.subarray(0, o);
}

/**
 * Decodes snappy's framing format: each frame is one chunk's uncompressed bytes (skippable chunks
 * and the stream identifier yield nothing and are consumed). Bounded: a chunk's length is checked on
 * its 4-byte header, before its body is buffered.
 *
 * @throws {@link @porta/core!CorruptFrameError} (from `decode`) for a stream that does not start with
 *   the identifier, a reserved chunk type, a chunk too long, a bad checksum or a corrupt block.
 */
export class SnappyFrameDecoder implements Decoder<Uint8Array> {
  readonly maxBuffered = 4 + MAX_CHUNK_BODY;
  #started = false;

  decode(buf: ChunkQueue): Uint8Array | undefined {
    while (buf.length >= 4) {
      const type = buf.byteAt(0);
      const length = buf.readUint(1, 3, true);
      if (!this.#started && type !== 0xff) {
        throw new CorruptFrameError(
          'snappy stream does not start with its stream identifier',
          buf.peekCopy(0, 4),
        );
      }
      if (type >= 0x02 && type <= 0x7f) {
        throw new CorruptFrameError(`snappy chunk type ${type} is reserved`, buf.peekCopy(0, 4));
      }
      if (length > MAX_CHUNK_BODY) {
        throw new CorruptFrameError(
          `snappy chunk of ${length} bytes is longer than ${MAX_CHUNK_BODY}`,
          buf.peekCopy(0, 4),
        );
      }
      if (buf.length < 4 + length) return undefined;
      if (type === 0xff) {
        const body = buf.takeFrame(4, length);
        if (length !== 6 || String.fromCharCode(...body) !== 'sNaPpY') {
          throw new CorruptFrameError('snappy stream identifier is not "sNaPpY"', body);
        }
        this.#started = true;
        continue;
      }
      if (type >= 0x80) {
        buf.skip(4 + length);
        continue;
      }
      if (length < 4) throw new CorruptFrameError(`snappy data chunk of ${length} bytes has no checksum`);
      const body = buf.takeFrame(4, length);
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const expected = view.getUint32(0, true);
      const data =
        type === 0x00 ? uncompressSnappyBlock(body.subarray(4), SNAPPY_MAX_BLOCK) : body.subarray(4);
      if (data.length > SNAPPY_MAX_BLOCK) {
        throw new CorruptFrameError(`snappy chunk holds ${data.length} bytes, more than ${SNAPPY_MAX_BLOCK}`);
      }
      const actual = snappyChecksum(data);
      if (actual !== expected) {
        throw new CorruptFrameError(
          `snappy chunk checksum ${actual.toString(16)} does not match its header's ${expected.toString(16)}`,
          body.subarray(0, 8),
        );
      }
      if (data.length > 0) return data;
    }
    return undefined;
  }
}
