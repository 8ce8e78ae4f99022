// Checks of options a programmer gives (not bytes a peer sends); not part of the public API.
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_LENGTH } from '../decoder.js';

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

/** A duration option in milliseconds: finite and > 0. */
export function assertDuration(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${what} must be a finite number of milliseconds > 0, got ${String(value)}`,
    );
  }
  return value;
}
