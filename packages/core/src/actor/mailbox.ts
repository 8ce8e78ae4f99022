import { InvalidArgumentError } from '../errors.js';

/**
 * What an actor's mailbox does with a message that arrives while it is full.
 *
 * - `backpressure` — pause the link at the high-water mark and resume it at the low-water mark, so
 *   the mailbox never fills (TCP: the kernel window closes and the sender slows down). Where the link
 *   cannot pause (`link.canPause === false`, UDP), a message that finds the mailbox full is dropped
 *   as under `drop-newest` and counted: UDP has no way to push back.
 * - `drop-oldest` — discard the oldest waiting message to make room (freshest data wins).
 * - `drop-newest` — discard the arriving message (first come, first served).
 * - `fail` — the actor fails with `MailboxOverflowError` and its supervision decides what follows.
 *
 * Every discarded message is counted and reported as a `dropped` server event.
 *
 * @example
 * ```ts
 * serve(udpTransport({ port: 0 }), echo, { mailbox: { capacity: 32, overflow: 'drop-oldest' } });
 * ```
 */
export type OverflowStrategy = 'backpressure' | 'drop-oldest' | 'drop-newest' | 'fail';

/**
 * Bounds of an actor's mailbox: how many messages may wait for the behaviour, and the water marks
 * that drive `backpressure`.
 *
 * @example
 * ```ts
 * const mailbox: MailboxOptions = { capacity: 64, overflow: 'backpressure', highWaterMark: 48, lowWaterMark: 16 };
 * ```
 */
export interface MailboxOptions {
  /** Most messages that may wait. Default 128. */
  readonly capacity?: number;
  /** Default `backpressure`. */
  readonly overflow?: OverflowStrategy;
  /**
   * `backpressure` pauses the link once this many messages wait. Default ¾ of `capacity` (rounded
   * up): the rest of the capacity absorbs what a link delivers between `pause()` and its taking effect.
   */
  readonly highWaterMark?: number;
  /** A paused link resumes once no more than this many wait. Default ¼ of `capacity` (rounded down). */
  readonly lowWaterMark?: number;
}

/**
 * A bounded FIFO of messages waiting for an actor, with its overflow strategy and water marks.
 * The actor runtime drives it; it is exported for code that consumes a link directly and wants the
 * same bounds. `push` never grows the queue past `capacity`: callers check {@link Mailbox.isFull}
 * first and apply {@link Mailbox.overflow}.
 *
 * @example
 * ```ts
 * const box = new Mailbox<Uint8Array>({ capacity: 4 });
 * if (!box.isFull) box.push(message);
 * const next = box.shift();
 * ```
 */
export class Mailbox<T> {
  readonly capacity: number;
  readonly overflow: OverflowStrategy;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  // A head index instead of Array#shift keeps taking O(1) amortised for large capacities.
  #items: T[] = [];
  #head = 0;
  #ended = false;

  /** @throws {@link InvalidArgumentError} when the bounds are not `0 ≤ low < high ≤ capacity`. */
  constructor(options: MailboxOptions = {}) {
    const capacity = options.capacity ?? 128;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(`mailbox capacity must be an integer ≥ 1, got ${String(capacity)}`);
    }
    const high = options.highWaterMark ?? Math.ceil((capacity * 3) / 4);
    const low = options.lowWaterMark ?? Math.min(Math.floor(capacity / 4), high - 1);
    if (!Number.isInteger(high) || high < 1 || high > capacity) {
      throw new InvalidArgumentError(
        `mailbox highWaterMark must be an integer from 1 to capacity ${capacity}, got ${String(high)}`,
      );
    }
    if (!Number.isInteger(low) || low < 0 || low >= high) {
      throw new InvalidArgumentError(
        `mailbox lowWaterMark must be an integer from 0 to highWaterMark - 1 (${high - 1}), got ${String(low)}`,
      );
    }
    const overflow = options.overflow ?? 'backpressure';
    if (!['backpressure', 'drop-oldest', 'drop-newest', 'fail'].includes(overflow)) {
      throw new InvalidArgumentError(`unknown mailbox overflow strategy "${String(overflow)}"`);
    }
    this.capacity = capacity;
    this.overflow = overflow;
    this.highWaterMark = high;
    this.lowWaterMark = low;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  get isFull(): boolean {
    return this.size >= this.capacity;
  }

  /** True once {@link Mailbox.end} was called: no more messages will be pushed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Appends a message. @throws {@link InvalidArgumentError} when full (check `isFull` first). */
  push(message: T): void {
    if (this.isFull) {
      throw new InvalidArgumentError(
        `mailbox is full (capacity ${this.capacity}); apply its overflow strategy`,
      );
    }
    this.#items.push(message);
  }

  /** Takes the oldest message, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const message = this.#items[this.#head] as T;
    (this.#items as (T | undefined)[])[this.#head] = undefined;
    this.#head++;
    if (this.#head >= this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** Marks the end of input (the peer finished sending). */
  end(): void {
    this.#ended = true;
  }

  /** Discards every waiting message and returns how many there were. */
  clear(): number {
    const n = this.size;
    this.#items = [];
    this.#head = 0;
    return n;
  }
}
