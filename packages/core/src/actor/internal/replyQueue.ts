import type { Observer, Subscription } from 'rxjs';
import { MailboxOverflowError } from '../../errors.js';
import type { PeerLink } from '../../plugin.js';
import type { StatsCounter } from './stats.js';

/** What the reply queue tells its actor. */
export interface ReplyQueueOwner {
  /** A send finished (successfully or not): the actor may move on. */
  sent(): void;
  /** The link refused a reply: the actor fails with `error`. */
  sendFailed(error: unknown): void;
}

/**
 * An actor's replies on their way to the link: queued in order, one send in flight at a time, and
 * bounded in replies and bytes (`maxPendingReplies`, `maxPendingReplyBytes`, in-flight included).
 * Every reply ends counted: `messagesOut` once the link has it, `unsent` when refused or cut off.
 */
export class ReplyQueue {
  readonly #link: PeerLink;
  readonly #stats: StatsCounter;
  readonly #owner: ReplyQueueOwner;
  readonly #maxReplies: number;
  readonly #maxBytes: number;
  #queue: Uint8Array[] = [];
  /** Bytes in `#queue` (the reply in flight is `#sendBytes`). */
  #queuedBytes = 0;
  #sendSub: Subscription | undefined;
  #sending = false;
  #sendBytes = 0;

  constructor(
    link: PeerLink,
    stats: StatsCounter,
    owner: ReplyQueueOwner,
    maxReplies: number,
    maxBytes: number,
  ) {
    this.#link = link;
    this.#stats = stats;
    this.#owner = owner;
    this.#maxReplies = maxReplies;
    this.#maxBytes = maxBytes;
  }

  /** A send is in flight. */
  get sending(): boolean {
    return this.#sending;
  }

  /** Replies waiting behind the one in flight. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Nothing queued and nothing in flight. */
  get empty(): boolean {
    return !this.#sending && this.#queue.length === 0;
  }

  /** Replies not yet with the link: queued plus the one in flight. */
  get pending(): number {
    return this.#queue.length + (this.#sending ? 1 : 0);
  }

  /** Bytes of those replies. */
  get pendingBytes(): number {
    return this.#queuedBytes + (this.#sending ? this.#sendBytes : 0);
  }

  /**
   * Queues `reply`, or refuses it (counted `unsent`) with the error the actor fails with when it
   * would pass a bound. An empty queue takes any one reply, so a reply larger than the byte bound
   * is still sent.
   */
  offer(reply: Uint8Array, peerId: string): MailboxOverflowError | undefined {
    if (this.pending >= this.#maxReplies) {
      this.#stats.unsent++;
      return new MailboxOverflowError(
        this.#maxReplies,
        `reply queue full: ${this.#maxReplies} replies to ${peerId} are waiting for the link to send them ` +
          '(ServeOptions.maxPendingReplies)',
      );
    }
    // Bytes as well as replies: 1,024 replies of 64 KiB to a peer that never reads is 64 MiB.
    const pendingBytes = this.pendingBytes;
    if (pendingBytes > 0 && pendingBytes + reply.byteLength > this.#maxBytes) {
      this.#stats.unsent++;
      return new MailboxOverflowError(
        this.#maxReplies,
        `reply queue full: ${pendingBytes} bytes of replies to ${peerId} are waiting for the link to ` +
          `send them, and one more would pass ServeOptions.maxPendingReplyBytes ${this.#maxBytes}`,
      );
    }
    this.#queuedBytes += reply.byteLength;
    this.#queue.push(reply);
    return undefined;
  }

  /** Starts sending the oldest queued reply (the caller checked that none is in flight). */
  sendNext(): void {
    const data = this.#queue.shift() as Uint8Array;
    this.#queuedBytes -= data.byteLength;
    this.#sending = true;
    this.#sendBytes = data.byteLength;
    let sub: Subscription | undefined;
    try {
      sub = this.#link.send(data).subscribe(this.#sendObserver);
    } catch (error) {
      this.#sendError(error);
    }
    // Runs inside the actor's drive loop, so a send that settled synchronously cannot have been
    // followed by another one yet: still sending means this send is pending.
    if (this.#sending) this.#sendSub = sub;
  }

  /** The actor closed: what was queued or in flight is dropped (the actor counted it `unsent`). */
  clear(): void {
    this.#sendSub?.unsubscribe();
    this.#sendSub = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  // One observer for every send: a send is the per-message hot path, so it allocates no closures.
  readonly #sendObserver: Partial<Observer<void>> = {
    error: (error: unknown) => this.#sendError(error),
    complete: () => {
      this.#sending = false;
      this.#sendSub = undefined;
      const stats = this.#stats;
      stats.messagesOut++;
      stats.bytesOut += this.#sendBytes;
      this.#owner.sent();
    },
  };

  #sendError(error: unknown): void {
    this.#sending = false;
    this.#sendSub = undefined;
    // The reply the link refused was not sent: counted, or it would vanish from the totals.
    this.#stats.unsent++;
    this.#owner.sendFailed(error);
  }
}
