import { InvalidArgumentError } from '../errors.js';
import { checkInteger, checkOneOf, checkPositiveInteger } from '../optionChecks.js';

/**
 * What an actor's mailbox does with a message that arrives while it is full.
 *
 * - `backpressure` — pause the link at the high-water mark and resume it at the low-water mark, so
 *   the mailbox never fills (TCP: the kernel window closes and the sender slows down). Where the link
 *   cannot pause (a link without `pause`, UDP), a message that finds the mailbox full is dropped
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
  /**
   * Most bytes that may wait (the sum of the waiting messages' `byteLength`). A message that would
   * take the mailbox past it overflows exactly as one past `capacity` does — except into an empty
   * mailbox, which takes any one message, so a message larger than the bound is still delivered.
   * `backpressure` also pauses the link once half of it waits and resumes it at an eighth, so a
   * chunk of up to half the bound (TCP reads are at most 64 KiB) never overflows a paused link.
   * An integer ≥ 1, or `Infinity` for no byte bound. Default 128 KiB (see `docs/actors.md`: with the
   * other defaults it keeps a server's queues under a stated ceiling whatever the peers send).
   */
  readonly maxBytes?: number;
}

/** Default {@link MailboxOptions.maxBytes}: 128 KiB. */
const DEFAULT_MAILBOX_MAX_BYTES = 128 * 1024;

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
  /** Most bytes that may wait; see {@link MailboxOptions.maxBytes}. */
  readonly maxBytes: number;
  /** `backpressure` pauses once this many bytes wait (half of `maxBytes`). */
  readonly highWaterBytes: number;
  /** A paused link resumes once no more than this many bytes wait (an eighth of `maxBytes`). */
  readonly lowWaterBytes: number;
  readonly #sizeOf: (message: T) => number;
  #bytes = 0;
  // A head index instead of Array#shift keeps taking O(1) amortised for large capacities.
  #items: T[] = [];
  #head = 0;
  #ended = false;

  /**
   * `sizeOf` gives a message's size in bytes for `maxBytes` (default: its `byteLength`, or 0).
   * @throws {@link InvalidArgumentError} when the bounds are not `0 ≤ low < high ≤ capacity`.
   */
  constructor(options: MailboxOptions = {}, sizeOf: (message: T) => number = byteLengthOf) {
    const capacity = checkPositiveInteger(options.capacity ?? 128, 'mailbox capacity');
    const high = options.highWaterMark ?? Math.ceil((capacity * 3) / 4);
    const low = options.lowWaterMark ?? Math.min(Math.floor(capacity / 4), high - 1);
    checkInteger(high, 'mailbox highWaterMark', 1, capacity);
    checkInteger(low, 'mailbox lowWaterMark', 0, high - 1);
    const overflow = checkOneOf(options.overflow ?? 'backpressure', 'mailbox overflow', [
      'backpressure',
      'drop-oldest',
      'drop-newest',
      'fail',
    ]);
    const maxBytes = checkPositiveInteger(options.maxBytes ?? DEFAULT_MAILBOX_MAX_BYTES, 'mailbox maxBytes', {
      infinity: true,
    });
    this.maxBytes = maxBytes;
    this.highWaterBytes = maxBytes / 2;
    this.lowWaterBytes = maxBytes / 8;
    this.#sizeOf = sizeOf;
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

  /** Bytes waiting (see {@link MailboxOptions.maxBytes}). */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when `message` may be pushed now: room in count, and in bytes unless the mailbox is empty. */
  fits(message: T): boolean {
    if (this.isFull) return false;
    return this.size === 0 || this.#bytes + this.#sizeOf(message) <= this.maxBytes;
  }

  /** At or over a high-water mark, in messages or in bytes: `backpressure` pauses the link. */
  get aboveHighWater(): boolean {
    return this.size >= this.highWaterMark || this.#bytes >= this.highWaterBytes;
  }

  /** At or under both low-water marks: a paused link may resume. */
  get belowLowWater(): boolean {
    return this.size <= this.lowWaterMark && this.#bytes <= this.lowWaterBytes;
  }

  /** True once {@link Mailbox.end} was called: no more messages will be pushed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Appends a message. @throws {@link InvalidArgumentError} when it does not fit (check `fits` first). */
  push(message: T): void {
    if (!this.fits(message)) {
      throw new InvalidArgumentError(
        `mailbox is full (capacity ${this.capacity}, maxBytes ${this.maxBytes}); apply its overflow strategy`,
      );
    }
    this.#bytes += this.#sizeOf(message);
    this.#items.push(message);
  }

  /** Takes the oldest message, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const message = this.#items[this.#head] as T;
    (this.#items as (T | undefined)[])[this.#head] = undefined;
    this.#head++;
    this.#bytes -= this.#sizeOf(message);
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
    this.#bytes = 0;
    return n;
  }
}

function byteLengthOf(message: unknown): number {
  const n = (message as { readonly byteLength?: unknown } | null)?.byteLength;
  return typeof n === 'number' ? n : 0;
}
