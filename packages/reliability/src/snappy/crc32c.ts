/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), which snappy's framing format uses;
 * slicing by 4 (four tables, four bytes a step).
 */
const TABLES = new Uint32Array(4 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  TABLES[n] = c >>> 0;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 4; t++) {
    const prev = TABLES[(t - 1) * 256 + n] as number;
    TABLES[t * 256 + n] = ((TABLES[prev & 0xff] as number) ^ (prev >>> 8)) >>> 0;
  }
}

/** CRC-32C of `data`. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  const n = data.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    c ^=
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    c =
      (TABLES[768 + (c & 0xff)] as number) ^
      (TABLES[512 + ((c >>> 8) & 0xff)] as number) ^
      (TABLES[256 + ((c >>> 16) & 0xff)] as number) ^
      (TABLES[c >>> 24] as number);
  }
  for (; i < n; i++) c = (TABLES[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Every path of crc32c run before it is hot. Otherwise V8 compiles it mid-loop, on its first long
// input, before the tail loop ever ran; that code then bails out to the interpreter on every later
// call (a third of the kcp tunnel client's CPU, in bench/kcpWire). V8 keeps type feedback only from
// a function's 9th call or so: hence 32 calls.
for (let n = 0; n < 32; n++) crc32c(new Uint8Array(n % 8));

/** snappy's masked checksum of a chunk's uncompressed data: rotated right 15, plus 0xa282ead8. */
export function snappyChecksum(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
