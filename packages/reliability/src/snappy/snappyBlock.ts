import { CorruptFrameError } from '@porta/core';

/*
 * Snappy's block format (google/snappy format_description.txt, as golang/snappy v0.0.2 reads and
 * writes it): a varint of the decoded length, then elements — a literal (tag 00, length − 1 in the
 * tag or 1–4 bytes after it) or a copy of earlier output (tag 01: length 4–11 and an 11-bit offset;
 * tag 10: length 1–64 and a 16-bit offset; tag 11: a 32-bit offset). Written here rather than taken
 * from npm: `snappyjs` (the pure-JS one) is CommonJS without types and unreleased since 2022, and
 * the framed-stream packages need the native `snappy`.
 */

const HASH_BITS = 14;
const MAX_OFFSET = 65535;

/** The largest block {@link compressSnappyBlock} can make from `n` bytes (snappy's MaxEncodedLen). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * Compresses `input` into one snappy block: greedy matching on a hash of 4-byte sequences, as
 * snappy does, skipping faster through bytes that do not compress.
 */
export function compressSnappyBlock(input: Uint8Array): Uint8Array {
  const n = input.length;
  const out = new Uint8Array(maxCompressedLength(n));
  let o = 0;
  for (let v = n; ; ) {
    if (v < 0x80) {
      out[o++] = v;
      break;
    }
    out[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  const literal = (from: number, to: number): void => {
    let len = to - from;
    if (len === 0) return;
    len--;
    if (len < 60) out[o++] = len << 2;
    else if (len < 0x100) {
      out[o++] = 60 << 2;
      out[o++] = len;
    } else if (len < 0x10000) {
      out[o++] = 61 << 2;
      out[o++] = len & 0xff;
      out[o++] = len >>> 8;
    } else {
      out[o++] = 62 << 2;
      out[o++] = len & 0xff;
      out[o++] = (len >>> 8) & 0xff;
      out[o++] = len >>> 16;
    }
    out.set(input.subarray(from, to), o);
    o += to - from;
  };
  const copy = (offset: number, length: number): void => {
    while (length > 0) {
      // Keep at least 4 for a last tag-01 copy; 64 is tag 10's most.
      const len = length > 68 ? 64 : length > 64 ? 60 : length;
      if (len >= 4 && len <= 11 && offset < 2048) {
        out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
        out[o++] = offset & 0xff;
      } else {
        out[o++] = 2 | ((len - 1) << 2);
        out[o++] = offset & 0xff;
        out[o++] = offset >>> 8;
      }
      length -= len;
    }
  };
  if (n < 4) {
    literal(0, n);
    return out.subarray(0, o);
  }
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const word = (i: number): number =>
    ((input[i] as number) |
      ((input[i + 1] as number) << 8) |
      ((input[i + 2] as number) << 16) |
      ((input[i + 3] as number) << 24)) >>>
    0;
  const hash = (w: number): number => Math.imul(w, 0x1e35a7bd) >>> (32 - HASH_BITS);
  let next = 0;
  let i = 0;
  let misses = 32;
  while (i + 4 <= n) {
    const w = word(i);
    const h = hash(w);
    const candidate = table[h] as number;
    table[h] = i;
    if (candidate >= 0 && i - candidate <= MAX_OFFSET && word(candidate) === w) {
      literal(next, i);
      let length = 4;
      while (i + length < n && input[candidate + length] === input[i + length]) length++;
      copy(i - candidate, length);
      i += length;
      next = i;
      misses = 32;
      if (i + 4 <= n && i >= 1) table[hash(word(i - 1))] = i - 1;
      continue;
    }
    i += misses++ >> 5;
  }
  literal(next, n);
  return out.subarray(0, o);
}

/**
 * The decoded length a snappy block declares (its leading varint), and where its elements start.
 * @throws {@link @porta/core!CorruptFrameError} for a varint longer than 5 bytes or cut short.
 */
export function snappyDecodedLength(block: Uint8Array): { length: number; start: number } {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return { length, start: i + 1 };
  }
  throw new CorruptFrameError('snappy block length varint is cut short or too long', block.subarray(0, 5));
}

/**
 * Decompresses one snappy block, at most `maxLength` bytes (checked on the header, before any
 * allocation).
 * @throws {@link @porta/core!CorruptFrameError} for a block that is too long, reads past its input,
 *   copies from before its output or ends short of its declared length.
 */
export function uncompressSnappyBlock(block: Uint8Array, maxLength: number): Uint8Array {
  const { length, start } = snappyDecodedLength(block);
  if (length > maxLength) {
    throw new CorruptFrameError(
      `snappy block declares ${length} bytes, more than ${maxLength}`,
      block.subarray(0, 5),
    );
  }
  const out = new Uint8Array(length);
  let i = start;
  let o = 0;
  const corrupt = (why: string): never => {
    throw new CorruptFrameError(`corrupt snappy block: ${why} at input byte ${i}`, block.subarray(0, 8));
  };
  while (i < block.length) {
    const tag = block[i++] as number;
    if ((tag & 3) === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (i + extra > block.length) corrupt('literal length cut short');
        len = 0;
        for (let k = 0; k < extra; k++) len += (block[i + k] as number) * 2 ** (8 * k);
        i += extra;
      }
      len++;
      if (i + len > block.length || o + len > length) corrupt('literal overruns');
      out.set(block.subarray(i, i + len), o);
      i += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if ((tag & 3) === 1) {
      if (i + 1 > block.length) corrupt('copy cut short');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | (block[i++] as number);
    } else if ((tag & 3) === 2) {
      if (i + 2 > block.length) corrupt('copy cut short');
      len = 1 + (tag >>> 2);
      offset = (block[i] as number) | ((block[i + 1] as number) << 8);
      i += 2;
    } else {
      if (i + 4 > block.length) corrupt('copy cut short');
      len = 1 + (tag >>> 2);
      offset =
        ((block[i] as number) |
          ((block[i + 1] as number) << 8) |
          ((block[i + 2] as number) << 16) |
          ((block[i + 3] as number) << 24)) >>>
        0;
      i += 4;
    }
    if (offset === 0 || offset > o || o + len > length) corrupt(`copy of ${len} from offset ${offset}`);
    if (offset >= len) out.copyWithin(o, o - offset, o - offset + len);
    else for (let k = 0; k < len; k++) out[o + k] = out[o + k - offset] as number;
    o += len;
  }
  if (o !== length) corrupt(`${o} bytes decoded of the ${length} declared`);
  return out;
}
