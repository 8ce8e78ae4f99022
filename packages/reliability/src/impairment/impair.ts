import { type Datagram, type ImpairDropMessage, portaChannels } from '@porta/core';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import {
  flipBit,
  type ImpairmentOptions,
  impairmentRandom,
  planImpairment,
  resolveImpairment,
} from './impairment.js';

/**
 * Options of {@link impair}: what to do to each value, from which seed, on which clock.
 *
 * @example
 * ```ts
 * impair({ lossRate: 0.5, seed: 42, scheduler: testScheduler });
 * ```
 */
export interface ImpairOptions extends ImpairmentOptions {
  /**
   * Seed of the random decisions. Every subscription starts again from it, so the same input gives
   * the same drops, copies, delays and flipped bits on every run. Default 1.
   */
  readonly seed?: number;
  /** Where delays are scheduled. Default `asyncScheduler`; pass a virtual-time scheduler in tests. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Counters of an {@link impair} operator, over all its subscriptions.
 *
 * @example
 * ```ts
 * const op = impair({ lossRate: 0.5 });
 * bytes$.pipe(op).subscribe();
 * const { seen, lost } = op.stats;
 * ```
 */
export interface ImpairStats {
  /** Values received from the source. */
  readonly seen: number;
  /** Values (copies) emitted downstream. */
  readonly emitted: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Copies emitted after a value that came later from the source. */
  readonly reordered: number;
  readonly corrupted: number;
}

/**
 * The operator returned by {@link impair}, with its counters.
 *
 * @example
 * ```ts
 * const op = impair({ lossRate: 0.5 });
 * source.pipe(op).subscribe();
 * console.log(op.stats.lost);
 * ```
 */
export interface Impairer {
  <T>(source: Observable<T>): Observable<T>;
  /** A snapshot of the counters. */
  readonly stats: ImpairStats;
}

function corrupt<T>(value: T, bit: number | undefined): [T, boolean] {
  if (bit === undefined) return [value, false];
  if (value instanceof Uint8Array) return [flipBit(value, bit) as T, true];
  const data = (value as Partial<Datagram> | null)?.data;
  if (data instanceof Uint8Array && data.length > 0) {
    // The bit was drawn over the bytes of the value; a datagram's payload is those bytes.
    return [{ ...(value as Datagram), data: flipBit(data, bit % (data.length * 8)) } as T, true];
  }
  return [value, false];
}

const dropChannel = portaChannels.impairDrop;

function dropMessage(value: unknown): ImpairDropMessage {
  if (value instanceof Uint8Array) return { data: value, bytes: value.length };
  const { data, remote } = (value ?? {}) as Partial<Datagram>;
  if (!(data instanceof Uint8Array)) return { bytes: 0 };
  return remote === undefined ? { data, bytes: data.length } : { remote, data, bytes: data.length };
}

function byteLength(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  const data = (value as Partial<Datagram> | null)?.data;
  return data instanceof Uint8Array ? data.length : 0;
}

/**
 * Mistreats a stream the way a bad network would: drops, delays (with jitter), duplicates, reorders
 * and corrupts its values, every decision drawn from a seeded random source — the course's
 * "pretend to drop half the packets" server as an operator. Semantics of each setting: see
 * {@link ImpairmentOptions}. Corruption flips one bit of a `Uint8Array` value or of a datagram's
 * `data` (never the caller's buffer: a copy); other values are never corrupted.
 *
 * Values with no delay pass synchronously. Delayed values are scheduled on `scheduler`; completion
 * waits for them, an error is passed on at once (dropping what is still delayed, as rxjs's `delay`),
 * and unsubscribing cancels them.
 *
 * @example
 * ```ts
 * // Half the requests vanish, the rest arrive 100 ± 20 ms later, reproducibly.
 * socket.datagrams.pipe(impair({ lossRate: 0.5, delayMs: 100, jitterMs: 20, seed: 42 }));
 * ```
 */
export function impair(options: ImpairOptions = {}): Impairer {
  const settings = resolveImpairment(options);
  const seed = options.seed ?? 1;
  impairmentRandom(seed); // checks the seed now rather than on subscription
  const scheduler = options.scheduler ?? asyncScheduler;
  const stats = { seen: 0, emitted: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 };

  const operator = <T>(source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      const random = impairmentRandom(seed);
      const pending = new Set<Subscription>();
      let nextSeq = 0;
      let highestEmitted = -1;
      let sourceDone = false;
      const emit = (value: T, seq: number) => {
        if (seq < highestEmitted) stats.reordered++;
        else highestEmitted = seq;
        stats.emitted++;
        subscriber.next(value);
      };
      const subscription = source.subscribe({
        next: (value) => {
          stats.seen++;
          const seq = nextSeq++;
          const plan = planImpairment(settings, random, byteLength(value));
          if (plan.lost) {
            stats.lost++;
            if (dropChannel.hasSubscribers) dropChannel.publish(dropMessage(value));
            return;
          }
          stats.duplicated += plan.copies.length - 1;
          for (const copy of plan.copies) {
            const [out, corrupted] = corrupt(value, copy.flipBit);
            if (corrupted) stats.corrupted++;
            if (copy.delayMs === 0) {
              emit(out, seq);
              continue;
            }
            const action = scheduler.schedule(() => {
              pending.delete(action);
              emit(out, seq);
              if (sourceDone && pending.size === 0) subscriber.complete();
            }, copy.delayMs);
            if (!action.closed) pending.add(action);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (pending.size === 0) subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const action of pending) action.unsubscribe();
        pending.clear();
      };
    });

  return Object.defineProperty(operator, 'stats', {
    get: (): ImpairStats => ({ ...stats }),
    enumerable: true,
  }) as Impairer;
}
