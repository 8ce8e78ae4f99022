// Not part of the public API.
import { FrameTooLongError } from '../../errors.js';

/** Bytes of a frame shown in a {@link FrameTooLongError} when the frame has no header. */
export const PREVIEW_BYTES = 16;

/** A {@link FrameTooLongError} for a frame without a header: the preview is the frame's first bytes. */
export function frameTooLong(length: number, max: number, firstBytes: Uint8Array): FrameTooLongError {
  return new FrameTooLongError(length, max, firstBytes, 'first bytes');
}
