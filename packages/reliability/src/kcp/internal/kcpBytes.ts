/*
 * Little-endian reads and writes straight on a Uint8Array, for the per-packet paths: a DataView is
 * one more object per packet (and per segment), which the collector then has to find dead.
 */

/** Writes `value` as a little-endian uint32 at `at`. */
export function putU32LE(target: Uint8Array, at: number, value: number): void {
  target[at] = value;
  target[at + 1] = value >>> 8;
  target[at + 2] = value >>> 16;
  target[at + 3] = value >>> 24;
}

/** Writes `value` as a little-endian uint16 at `at`. */
export function putU16LE(target: Uint8Array, at: number, value: number): void {
  target[at] = value;
  target[at + 1] = value >>> 8;
}

/** The little-endian uint32 at `at` (the caller checked the bounds). */
export function getU32LE(source: Uint8Array, at: number): number {
  return (
    ((source[at] as number) |
      ((source[at + 1] as number) << 8) |
      ((source[at + 2] as number) << 16) |
      ((source[at + 3] as number) << 24)) >>>
    0
  );
}

/** The little-endian uint16 at `at` (the caller checked the bounds). */
export function getU16LE(source: Uint8Array, at: number): number {
  return (source[at] as number) | ((source[at + 1] as number) << 8);
}
