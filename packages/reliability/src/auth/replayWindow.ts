import { InvalidArgumentError } from '@porta/core';

/**
 * Options of a {@link ReplayWindow}.
 *
 * @example
 * ```ts
 * new ReplayWindow({ bits: 8192 }); // WireGuard's size: a window of 8128 counters
 * ```
 */
export interface ReplayWindowOptions {
  /**
   * Size of the bitmap in bits: a multiple of 64, at least 128. The window proper is one 64-bit word
   * smaller (RFC 6479 keeps a spare word so that sliding forward clears whole words). Default 2048,
   * a window of 1984 counters; WireGuard uses 8192 (a window of 8128).
   */
  readonly bits?: number;
  /**
   * Counters at or above this are always rejected (WireGuard's `REJECT_AFTER_MESSAGES`: a sender
   * must rekey before it gets there). Default 2⁶⁴, i.e. every 64-bit counter is acceptable once.
   */
  readonly limit?: bigint;
}

const U64_END = 1n << 64n;

/**
 * A sliding anti-replay window over 64-bit message counters, with the semantics of RFC 6479 and of
 * WireGuard's `replay.go` / kernel `counter.c`: a counter is accepted once if it is ahead of every
 * counter seen so far, or no more than {@link windowSize} behind the highest and not seen before.
 * Everything else — a repeat, or anything further behind — is rejected. Memory is fixed
 * (`bits / 8` bytes) and every operation is O(1) apart from clearing skipped words on a jump.
 *
 * The bitmap is a ring of 64-bit words (kept as pairs of 32-bit halves so no operation needs
 * BigInt beyond reading the counter). Like WireGuard, a fresh window treats counter 0 as unseen.
 *
 * @example
 * ```ts
 * const window = new ReplayWindow();
 * window.accept(5n); // true
 * window.accept(5n); // false: a replay
 * window.accept(3n); // true: late, but within the window and new
 * ```
 */
export class ReplayWindow {
  /** How far behind the highest counter a new counter may still be accepted. */
  readonly windowSize: bigint;
  readonly #limit: bigint;
  readonly #words: number;
  readonly #wordsBig: bigint;
  readonly #halves: Uint32Array;
  #highest = 0n;

  constructor(options: ReplayWindowOptions = {}) {
    const bits = options.bits ?? 2048;
    if (!Number.isInteger(bits) || bits < 128 || bits % 64 !== 0 || bits > 1 << 24) {
      throw new InvalidArgumentError(`bits must be a multiple of 64 from 128 to 2^24, got ${bits}`);
    }
    const limit = options.limit ?? U64_END;
    if (limit < 1n || limit > U64_END) {
      throw new InvalidArgumentError(`limit must be in 1..2^64, got ${limit}`);
    }
    this.#limit = limit;
    this.#words = bits / 64;
    this.#wordsBig = BigInt(this.#words);
    this.#halves = new Uint32Array(this.#words * 2);
    this.windowSize = BigInt(bits - 64);
  }

  /** The highest counter accepted so far (0 before any). */
  get highest(): bigint {
    return this.#highest;
  }

  /** Would {@link accept} accept `counter`? Changes nothing: for checks before authentication. */
  check(counter: bigint): boolean {
    if (counter < 0n || counter >= this.#limit) return false;
    if (counter > this.#highest) return true;
    if (this.#highest - counter > this.windowSize) return false;
    const [index, mask] = this.#slot(counter);
    return ((this.#halves[index] ?? 0) & mask) === 0;
  }

  /**
   * Accepts `counter` if it was never seen and is not too old, and records it; returns false (and
   * records nothing) otherwise. Call it only after the message carrying the counter is authenticated,
   * or a forger could slide the window forward.
   */
  accept(counter: bigint): boolean {
    if (counter < 0n || counter >= this.#limit) return false;
    if (counter > this.#highest) {
      // Slide forward: clear the words between the old highest and the new one (at most all of them).
      const current = this.#highest >> 6n;
      const target = counter >> 6n;
      const jump = target - current;
      const clear = jump < this.#wordsBig ? Number(jump) : this.#words;
      const start = Number(current % this.#wordsBig);
      for (let i = 1; i <= clear; i++) {
        const word = (start + i) % this.#words;
        this.#halves[word * 2] = 0;
        this.#halves[word * 2 + 1] = 0;
      }
      this.#highest = counter;
    } else if (this.#highest - counter > this.windowSize) {
      return false;
    }
    const [index, mask] = this.#slot(counter);
    const old = this.#halves[index] ?? 0;
    if ((old & mask) !== 0) return false;
    this.#halves[index] = old | mask;
    return true;
  }

  /** Forgets everything, as a new window. */
  reset(): void {
    this.#halves.fill(0);
    this.#highest = 0n;
  }

  #slot(counter: bigint): [index: number, mask: number] {
    const word = Number((counter >> 6n) % this.#wordsBig);
    const bit = Number(counter & 63n);
    return [word * 2 + (bit >>> 5), (1 << (bit & 31)) >>> 0];
  }
}
