// The framing's own option check (maxFrameLength and its default); the generic checks are core's
// optionChecks.ts.
import { checkInteger } from '../../optionChecks.js';
import { DEFAULT_MAX_FRAME_LENGTH } from '../decoder.js';

/** The `maxFrameLength` option with its default, checked. */
export function maxFrameLengthOf(value: number | undefined, what: string): number {
  return checkInteger(value ?? DEFAULT_MAX_FRAME_LENGTH, `${what}: maxFrameLength`, 0);
}
