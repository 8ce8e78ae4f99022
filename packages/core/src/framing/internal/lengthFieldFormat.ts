// A LengthFieldFormat with its defaults applied and checked; not part of the public API.
import { InvalidArgumentError } from '../../errors.js';
import { checkInteger, checkOneOf } from '../../optionChecks.js';
import type { LengthFieldFormat, LengthFieldLength } from '../lengthFieldFormat.js';
import { maxFrameLengthOf } from './optionChecks.js';

/** The format both halves of the length-field codec work from. */
export interface ResolvedLengthFieldFormat {
  readonly offset: number;
  readonly size: LengthFieldLength;
  readonly littleEndian: boolean;
  /** Body length = field value + adjustment (`lengthIncludesLengthFieldLength` folded in). */
  readonly adjustment: number;
  readonly strip: number;
  readonly max: number;
  /** The largest value the field can carry (2^53 - 1 for 8 bytes: past it a number loses precision). */
  readonly fieldMax: number;
}

export function resolveLengthFieldFormat(
  options: LengthFieldFormat,
  what: string,
): ResolvedLengthFieldFormat {
  const offset = checkInteger(options.lengthFieldOffset ?? 0, `${what}: lengthFieldOffset`, 0);
  const size = checkOneOf(options.lengthFieldLength ?? 4, `${what}: lengthFieldLength`, [1, 2, 3, 4, 8]);
  const byteOrder = checkOneOf(options.byteOrder ?? 'big', `${what}: byteOrder`, ['big', 'little']);
  const adjustment =
    checkInteger(options.lengthAdjustment ?? 0, `${what}: lengthAdjustment`, Number.MIN_SAFE_INTEGER) -
    (options.lengthIncludesLengthFieldLength === true ? size : 0);
  const strip = checkInteger(options.initialBytesToStrip ?? offset + size, `${what}: initialBytesToStrip`, 0);
  const max = maxFrameLengthOf(options.maxFrameLength, what);
  if (max < offset + size) {
    throw new InvalidArgumentError(
      `${what}: maxFrameLength ${max} is shorter than the header (${offset + size} bytes)`,
    );
  }
  const fieldMax = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
  return { offset, size, littleEndian: byteOrder === 'little', adjustment, strip, max, fieldMax };
}
