// Not part of the public API.
const encoder = new TextEncoder();

/** Accepts a delimiter as bytes or as a string (encoded as UTF-8). */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}
