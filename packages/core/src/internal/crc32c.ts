/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum RFC 4960 appendix B defines
 * and the PROXY protocol v2 `CRC32C` TLV carries. Node 20 has no CRC-32C (zlib.crc32 is CRC-32/IEEE),
 * so it is computed here with one 256-entry table; headers are a few hundred bytes at most.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` (`crc32c(ascii('123456789')) === 0xe3069283`). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
