// The checks of options a programmer passes (not bytes a peer sends), shared by every porta package:
// each refuses with an InvalidArgumentError (`INVALID_ARGUMENT`) that names the option and shows the
// value, in one wording (`maxPending must be an integer ≥ 1, got 0`), before any socket exists.
import { InvalidArgumentError } from './errors/usageErrors.js';

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Throws the {@link InvalidArgumentError} of an option that breaks `rule`:
 * `${name} must be ${rule}, got ${value}`.
 *
 * @example
 * ```ts
 * import { refuseOption } from '@porta/core/transport';
 * const keepAlive = 0;
 * if (keepAlive > 60_000) refuseOption('keepAliveMs', 'at most 60000', keepAlive);
 * ```
 */
export function refuseOption(name: string, rule: string, value: unknown): never {
  throw new InvalidArgumentError(`${name} must be ${rule}, got ${shown(value)}`, name, value);
}

/**
 * An integer option from `min` to `max` (default: any safe integer ≥ `min`).
 *
 * @example
 * ```ts
 * import { checkInteger } from '@porta/core/transport';
 * const mtu = checkInteger(1350, 'mtu', 50, 1500); // 1350
 * ```
 */
export function checkInteger(value: number, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  return refuseOption(
    name,
    max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
    value,
  );
}

/** Options of {@link checkPositiveInteger} and {@link checkNonNegativeInteger}. */
export interface CountCheckOptions {
  /** `Infinity` is allowed too ("no limit"). Default false. */
  readonly infinity?: boolean;
}

/**
 * A count option: an integer ≥ 1 (a capacity, a limit), or `Infinity` where `infinity` allows it.
 *
 * @example
 * ```ts
 * import { checkPositiveInteger } from '@porta/core/transport';
 * const maxPending = checkPositiveInteger(1024, 'maxPending');
 * ```
 */
export function checkPositiveInteger(value: number, name: string, options: CountCheckOptions = {}): number {
  return checkCount(value, name, 1, options.infinity === true);
}

/**
 * A count option that may be 0: an integer ≥ 0, or `Infinity` where `infinity` allows it.
 *
 * @example
 * ```ts
 * import { checkNonNegativeInteger } from '@porta/core/transport';
 * const maxRestarts = checkNonNegativeInteger(Number.POSITIVE_INFINITY, 'maxRestarts', { infinity: true });
 * ```
 */
export function checkNonNegativeInteger(
  value: number,
  name: string,
  options: CountCheckOptions = {},
): number {
  return checkCount(value, name, 0, options.infinity === true);
}

function checkCount(value: number, name: string, min: number, infinity: boolean): number {
  if (Number.isSafeInteger(value) && value >= min) return value;
  if (infinity && value === Number.POSITIVE_INFINITY) return value;
  return refuseOption(name, `an integer ≥ ${min}${infinity ? ' or Infinity' : ''}`, value);
}

/**
 * A number option > 0 (a factor, a rate), finite unless `infinity` allows `Infinity`.
 *
 * @example
 * ```ts
 * import { checkPositiveNumber } from '@porta/core/transport';
 * const factor = checkPositiveNumber(2, 'factor');
 * ```
 */
export function checkPositiveNumber(value: number, name: string, options: CountCheckOptions = {}): number {
  if (
    value > 0 &&
    (Number.isFinite(value) || (options.infinity === true && value === Number.POSITIVE_INFINITY))
  ) {
    return value;
  }
  return refuseOption(name, options.infinity === true ? 'a number > 0' : 'a finite number > 0', value);
}

/**
 * A finite number option ≥ 0 (a delay that may be none, a granularity).
 *
 * @example
 * ```ts
 * import { checkNonNegativeNumber } from '@porta/core/transport';
 * const granularityMs = checkNonNegativeNumber(0, 'granularityMs');
 * ```
 */
export function checkNonNegativeNumber(value: number, name: string): number {
  if (value >= 0 && Number.isFinite(value)) return value;
  return refuseOption(name, 'a finite number ≥ 0', value);
}

/**
 * A duration option in milliseconds: finite and > 0.
 *
 * @example
 * ```ts
 * import { checkDurationMs } from '@porta/core/transport';
 * const idleTimeoutMs = checkDurationMs(30_000, 'idleTimeoutMs');
 * ```
 */
export function checkDurationMs(value: number, name: string): number {
  if (value > 0 && Number.isFinite(value)) return value;
  return refuseOption(name, 'a finite number of milliseconds > 0', value);
}

/**
 * An option that takes one of a few values (`'big'` or `'little'`, 1, 2, 3, 4 or 8).
 *
 * @example
 * ```ts
 * import { checkOneOf } from '@porta/core/transport';
 * const byteOrder = checkOneOf('big', 'byteOrder', ['big', 'little'] as const);
 * ```
 */
export function checkOneOf<const T extends string | number>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const names = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a)));
  const rule =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return refuseOption(name, rule ?? 'nothing', value);
}
