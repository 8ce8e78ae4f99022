// Helpers shared by the framing modules; not part of the public API.
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_MAX_FRAME_LENGTH } from './Decoder.js';

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
