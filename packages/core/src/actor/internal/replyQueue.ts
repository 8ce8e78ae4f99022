import type { Observer, Subscription } from 'rxjs';
import { MailboxOverflowError } from '../../errors.js';
import type { PeerLink } from '../../plugin.js';
import type { ActorHost } from './actorHost.js';

/** What the reply queue reads from its server: the counters and the bounds. */
export type ReplyQueueHost = Pick<ActorHost, 'stats' | 'maxPendingReplies' | 'maxPendingReplyBytes'>;

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
 * Replies that queued up together (emitted in one turn, or while a send was in flight) go as one
 * `sendBatch` where the link has it: one write for a burst instead of one each. Every reply ends
 * counted: `messagesOut` once the link has it, `unsent` when refused or cut off.
 */
export class ReplyQueue {
  readonly #link: PeerLink;
  readonly #host: ReplyQueueHost;
  readonly #owner: ReplyQueueOwner;
  #queue: Uint8Array[] = [];
  /** Bytes in `#queue` (the reply in flight is `#sendBytes`). */
  #queuedBytes = 0;
  #sendSub: Subscription | undefined;
  // The observers of sends and batches: one object each, made at the first send (an idle peer never
  // sends), methods on the prototype, so the per-message path allocates no closures.
  #sendObserver: SendObserver | undefined;
  #batchObserver: BatchObserver | undefined;
  #sending = false;
  /** Replies in flight the link has not taken yet, and their bytes. */
  #sendCount = 0;
  #sendBytes = 0;
  /** The batch in flight (`sendBatch`), and the index of its first reply the link has not taken. */
  #batch: Uint8Array[] | undefined;
  #batchTaken = 0;

  constructor(link: PeerLink, host: ReplyQueueHost, owner: ReplyQueueOwner) {
    this.#link = link;
    this.#host = host;
    this.#owner = owner;
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

  /** Replies not yet with the link: queued plus those in flight. */
  get pending(): number {
    return this.#queue.length + (this.#sending ? this.#sendCount : 0);
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
    const { stats, maxPendingReplies, maxPendingReplyBytes } = this.#host;
    if (this.pending >= maxPendingReplies) {
      stats.unsent++;
      return new MailboxOverflowError(
        maxPendingReplies,
        `reply queue full: ${maxPendingReplies} replies to ${peerId} are waiting for the link to send them ` +
          '(ServeOptions.maxPendingReplies)',
      );
    }
    // Bytes as well as replies: 1,024 replies of 64 KiB to a peer that never reads is 64 MiB.
    const pendingBytes = this.pendingBytes;
    if (pendingBytes > 0 && pendingBytes + reply.byteLength > maxPendingReplyBytes) {
      stats.unsent++;
      return new MailboxOverflowError(
        maxPendingReplies,
        `reply queue full: ${pendingBytes} bytes of replies to ${peerId} are waiting for the link to ` +
          `send them, and one more would pass ServeOptions.maxPendingReplyBytes ${maxPendingReplyBytes}`,
      );
    }
    this.#queuedBytes += reply.byteLength;
    this.#queue.push(reply);
    return undefined;
  }

  /**
   * Starts sending what is queued (the caller checked that nothing is in flight): the oldest reply
   * alone, or every queued reply as one batch when there are several and the link can batch.
   */
  sendNext(): void {
    const link = this.#link;
    const queue = this.#queue;
    this.#sending = true;
    let sub: Subscription | undefined;
    try {
      if (queue.length > 1 && link.sendBatch !== undefined) {
        this.#batch = queue;
        this.#batchTaken = 0;
        this.#sendCount = queue.length;
        this.#sendBytes = this.#queuedBytes;
        this.#queue = [];
        this.#queuedBytes = 0;
        sub = link.sendBatch(queue).subscribe((this.#batchObserver ??= new BatchObserver(this)));
      } else {
        const data = queue.shift() as Uint8Array;
        this.#queuedBytes -= data.byteLength;
        this.#sendCount = 1;
        this.#sendBytes = data.byteLength;
        const observer = (this.#sendObserver ??= new SendObserver(this));
        // A link that can send without an Observable (a datagram link) is told where to report.
        if (link.sendDirect !== undefined) link.sendDirect(data, observer);
        else sub = link.send(data).subscribe(observer);
      }
    } catch (error) {
      this.sendError(error);
    }
    // Runs inside the actor's drive loop, so a send that settled synchronously cannot have been
    // followed by another one yet: still sending means this send is pending.
    if (this.#sending) this.#sendSub = sub;
  }

  /** The actor closed: what was queued or in flight is dropped (the actor counted it `unsent`). */
  clear(): void {
    this.#sendSub?.unsubscribe();
    this.#sendSub = undefined;
    // A direct send cannot be unsubscribed: its observer goes deaf, and a later send gets a new one.
    this.#sendObserver?.cancel();
    this.#sendObserver = undefined;
    this.#batch = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  /** @internal A single send completed. */
  sendDone(): void {
    this.#sending = false;
    this.#sendSub = undefined;
    const stats = this.#host.stats;
    stats.messagesOut++;
    stats.bytesOut += this.#sendBytes;
    this.#owner.sent();
  }

  /** @internal The link took the next `n` replies of the batch in flight. */
  batchTook(n: number): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    let bytes = 0;
    const end = Math.min(this.#batchTaken + n, batch.length);
    for (let i = this.#batchTaken; i < end; i++) bytes += (batch[i] as Uint8Array).byteLength;
    const taken = end - this.#batchTaken;
    this.#batchTaken = end;
    this.#sendCount -= taken;
    this.#sendBytes -= bytes;
    const stats = this.#host.stats;
    stats.messagesOut += taken;
    stats.bytesOut += bytes;
  }

  /** @internal The batch in flight completed. */
  batchDone(): void {
    // A link that completes without counting every reply still handed them over: `complete` is
    // its word that all were sent.
    if (this.#sendCount > 0) this.batchTook(this.#sendCount);
    this.#sending = false;
    this.#sendSub = undefined;
    this.#batch = undefined;
    this.#owner.sent();
  }

  /** @internal A send or batch failed: what the link had not taken is unsent. */
  sendError(error: unknown): void {
    this.#sending = false;
    this.#sendSub = undefined;
    this.#batch = undefined;
    // The replies the link refused were not sent: counted, or they would vanish from the totals.
    this.#host.stats.unsent += this.#sendCount;
    this.#sendCount = 0;
    this.#owner.sendFailed(error);
  }
}

/** The observer of single sends, subscribed or direct (`PeerLink.sendDirect`), until cancelled. */
class SendObserver implements Observer<void> {
  readonly #queue: ReplyQueue;
  #cancelled = false;
  constructor(queue: ReplyQueue) {
    this.#queue = queue;
  }
  /** What a direct send reports from now on is ignored (the queue was cleared). */
  cancel(): void {
    this.#cancelled = true;
  }
  next(): void {}
  error(error: unknown): void {
    if (!this.#cancelled) this.#queue.sendError(error);
  }
  complete(): void {
    if (!this.#cancelled) this.#queue.sendDone();
  }
}

class BatchObserver implements Partial<Observer<number>> {
  readonly #queue: ReplyQueue;
  constructor(queue: ReplyQueue) {
    this.#queue = queue;
  }
  next(n: number): void {
    this.#queue.batchTook(n);
  }
  error(error: unknown): void {
    this.#queue.sendError(error);
  }
  complete(): void {
    this.#queue.batchDone();
  }
}
