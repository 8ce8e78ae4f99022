// A LengthFieldFormat with its defaults applied and checked; not part of the public API.
import { InvalidArgumentError } from '../../errors.js';
import type { LengthFieldFormat, LengthFieldLength } from '../lengthFieldFormat.js';
import { assertInteger, maxFrameLengthOf } from './optionChecks.js';

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
  const offset = assertInteger(options.lengthFieldOffset ?? 0, `${what}: lengthFieldOffset`, 0);
  const size = options.lengthFieldLength ?? 4;
  if (size !== 1 && size !== 2 && size !== 3 && size !== 4 && size !== 8) {
    throw new InvalidArgumentError(`${what}: lengthFieldLength must be 1, 2, 3, 4 or 8, got ${String(size)}`);
  }
  const byteOrder = options.byteOrder ?? 'big';
  if (byteOrder !== 'big' && byteOrder !== 'little') {
    throw new InvalidArgumentError(`${what}: byteOrder must be 'big' or 'little', got ${String(byteOrder)}`);
  }
  const adjustment =
    assertInteger(options.lengthAdjustment ?? 0, `${what}: lengthAdjustment`, Number.MIN_SAFE_INTEGER) -
    (options.lengthIncludesLengthFieldLength === true ? size : 0);
  const strip = assertInteger(
    options.initialBytesToStrip ?? offset + size,
    `${what}: initialBytesToStrip`,
    0,
  );
  const max = maxFrameLengthOf(options.maxFrameLength, what);
  if (max < offset + size) {
    throw new InvalidArgumentError(
      `${what}: maxFrameLength ${max} is shorter than the header (${offset + size} bytes)`,
    );
  }
  const fieldMax = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
  return { offset, size, littleEndian: byteOrder === 'little', adjustment, strip, max, fieldMax };
}
