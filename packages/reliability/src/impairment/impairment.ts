import { InvalidArgumentError } from '@porta/core';
import { seededRandom } from '../random.js';

/**
 * How a link or an {@link impair} operator mistreats datagrams. Every field is optional and
 * defaults to "perfect network" (no loss, no delay, no duplication, no reordering, no corruption).
 *
 * Semantics (decided here, shared by `impair`, `impairmentProxy` and `SimNetwork` so that the three
 * behave the same for the same settings):
 * - `lossRate`: probability that a datagram is dropped. Decided first; a dropped datagram draws
 *   nothing else, so the drop pattern of a seed does not depend on the other settings.
 * - `duplicateRate`: probability that a surviving datagram is delivered twice. Each copy gets its
 *   own delay, reordering and corruption draws.
 * - `delayMs` ± `jitterMs`: each copy is delayed by a uniform draw from
 *   `[delayMs - jitterMs, delayMs + jitterMs]`, clamped at 0 (netem's `delay 100ms 10ms`).
 *   Jitter alone can reorder datagrams.
 * - `reorderRate`: probability that a copy is held back an extra `reorderDelayMs` (default 10 ms), so
 *   datagrams sent just after it overtake it.
 * - `corruptRate`: probability that a copy has exactly one bit flipped, chosen uniformly over its
 *   bits (empty datagrams cannot be corrupted).
 *
 * @example
 * ```ts
 * const lossy: ImpairmentOptions = { lossRate: 0.3, delayMs: 100, jitterMs: 20, duplicateRate: 0.01 };
 * ```
 */
export interface ImpairmentOptions {
  readonly lossRate?: number;
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly duplicateRate?: number;
  readonly reorderRate?: number;
  readonly reorderDelayMs?: number;
  readonly corruptRate?: number;
}

/** What happens to one copy of a datagram that survives. */
export interface ImpairedCopy {
  readonly delayMs: number;
  /** True when the copy was held back by `reorderRate`. */
  readonly reordered: boolean;
  /** Index of the bit to flip (bit 0 = most significant bit of byte 0), or undefined. */
  readonly flipBit: number | undefined;
}

/** The fate of one datagram: dropped, or delivered as one or two copies. */
export interface ImpairmentPlan {
  readonly lost: boolean;
  readonly copies: readonly ImpairedCopy[];
}

/**
 * Independent random streams per effect, all derived from one seed: changing the delay settings
 * does not change which datagrams a seed drops.
 */
export interface ImpairmentRandom {
  readonly loss: () => number;
  readonly duplicate: () => number;
  readonly delay: () => number;
  readonly reorder: () => number;
  readonly corrupt: () => number;
}

/** Builds the per-effect random streams for a seed. */
export function impairmentRandom(seed: number): ImpairmentRandom {
  if (!Number.isSafeInteger(seed))
    throw new InvalidArgumentError(`seed must be an integer, got ${String(seed)}`);
  const stream = (k: number) => seededRandom((seed + Math.imul(k, 0x9e3779b9)) | 0);
  return { loss: stream(1), duplicate: stream(2), delay: stream(3), reorder: stream(4), corrupt: stream(5) };
}

/** Settings with defaults applied and checked. */
export interface ResolvedImpairment {
  readonly lossRate: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly duplicateRate: number;
  readonly reorderRate: number;
  readonly reorderDelayMs: number;
  readonly corruptRate: number;
}

function rate(value: number | undefined, name: string): number {
  const v = value ?? 0;
  if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`${name} must be in [0, 1], got ${String(value)}`);
  return v;
}

function duration(value: number | undefined, name: string, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new InvalidArgumentError(
      `${name} must be a finite number of milliseconds ≥ 0, got ${String(value)}`,
    );
  }
  return v;
}

/**
 * Applies defaults and checks ranges.
 * @throws {@link @porta/core!InvalidArgumentError} for a rate outside [0, 1] or a negative/non-finite duration.
 */
export function resolveImpairment(options: ImpairmentOptions = {}): ResolvedImpairment {
  return {
    lossRate: rate(options.lossRate, 'lossRate'),
    delayMs: duration(options.delayMs, 'delayMs', 0),
    jitterMs: duration(options.jitterMs, 'jitterMs', 0),
    duplicateRate: rate(options.duplicateRate, 'duplicateRate'),
    reorderRate: rate(options.reorderRate, 'reorderRate'),
    reorderDelayMs: duration(options.reorderDelayMs, 'reorderDelayMs', 10),
    corruptRate: rate(options.corruptRate, 'corruptRate'),
  };
}

const DROPPED: ImpairmentPlan = { lost: true, copies: [] };

/**
 * Decides the fate of one datagram of `length` bytes. Pure apart from the random draws; the number
 * and order of draws is fixed by the settings, so a seed replays exactly.
 */
export function planImpairment(
  settings: ResolvedImpairment,
  random: ImpairmentRandom,
  length: number,
): ImpairmentPlan {
  if (settings.lossRate > 0 && random.loss() < settings.lossRate) return DROPPED;
  const count = settings.duplicateRate > 0 && random.duplicate() < settings.duplicateRate ? 2 : 1;
  const copies: ImpairedCopy[] = [];
  for (let i = 0; i < count; i++) {
    let delayMs = settings.delayMs;
    if (settings.jitterMs > 0) delayMs += (random.delay() * 2 - 1) * settings.jitterMs;
    const reordered = settings.reorderRate > 0 && random.reorder() < settings.reorderRate;
    if (reordered) delayMs += settings.reorderDelayMs;
    let flipBit: number | undefined;
    if (settings.corruptRate > 0 && length > 0 && random.corrupt() < settings.corruptRate) {
      flipBit = Math.floor(random.corrupt() * length * 8);
    }
    copies.push({ delayMs: Math.max(0, delayMs), reordered, flipBit });
  }
  return { lost: false, copies };
}

/** Returns a copy of `data` with bit `bit` flipped (bit 0 = most significant bit of byte 0). */
export function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(data);
  const byte = bit >>> 3;
  out[byte] = (out[byte] ?? 0) ^ (0x80 >>> (bit & 7));
  return out;
}
