import { from, Observable, type ObservableInput, type SchedulerLike, type Subscription } from 'rxjs';
import { InvalidArgumentError, MailboxOverflowError } from '../../errors.js';
import type { PeerLink } from '../../plugin.js';
import { Mailbox, type MailboxOptions } from '../mailbox.js';
import type { Behaviour, Peer } from '../peer.js';
import type { CloseReason, PeerInfo, ServerEvent } from '../serverEvent.js';
import type { ResolvedSupervision } from '../supervision.js';
import type { StatsCounter } from './stats.js';

/** An event as an actor reports it; the server adds `stats` and `at`. */
export type EventBody = ServerEvent extends infer E
  ? E extends ServerEvent
    ? Omit<E, 'stats' | 'at'>
    : never
  : never;

/** What an actor needs from its server. */
export interface ActorHost {
  readonly scheduler: SchedulerLike;
  readonly stats: StatsCounter;
  readonly supervision: ResolvedSupervision;
  readonly mailbox: MailboxOptions;
  readonly idleTimeoutMs: number | undefined;
  /** Most replies emitted and not yet sent (queued plus the one in flight); see `ServeOptions`. */
  readonly maxPendingReplies: number;
  /** Most bytes of those replies; see `ServeOptions.maxPendingReplyBytes`. */
  readonly maxPendingReplyBytes: number;
  emit(event: EventBody): void;
  /** Called once when the actor has closed, before its `closed` event: frees its slot. */
  released(actor: Actor): void;
  /** Called after the `closed` event: the server may now complete if it no longer accepts peers. */
  settled(): void;
}

/** Whoever reads the mailbox now: `peer.messages` or `peer.handle(fn)`. */
interface Consumer {
  /** May take a message now. */
  ready(): boolean;
  /** Holds a taken message that is still being processed (keeps the actor from being idle). */
  busy(): boolean;
  deliver(message: Uint8Array): void;
  /** The mailbox ended and is empty. */
  end(): void;
}

/**
 * One peer's actor: its mailbox, the running behaviour, the outbound send queue, supervision and
 * the idle timer. Every state change goes through {@link Actor.drive}, which is re-entrancy safe:
 * transports and behaviours may call back synchronously at any point.
 */
export class Actor {
  readonly info: PeerInfo;
  readonly #link: PeerLink;
  readonly #behaviour: Behaviour;
  readonly #host: ActorHost;
  readonly #mailbox: Mailbox<Uint8Array>;
  #generation = 0;
  #restarts = 0;
  // Times of the restarts still inside the window, oldest first (the clock never goes back, so the
  // window is pruned from the front).
  #restartTimes: number[] = [];
  #restartHead = 0;
  #behaviourSub: Subscription | undefined;
  #behaviourDone = false;
  #consumer: Consumer | undefined;
  #inboundSub: Subscription | undefined;
  #outbound: Uint8Array[] = [];
  /** Bytes in `#outbound` (the reply in flight is `#sendBytes`). */
  #outboundBytes = 0;
  #sendSub: Subscription | undefined;
  #sending = false;
  #sendBytes = 0;
  #paused = false;
  #dropped = 0;
  #idleTimer: Subscription | undefined;
  /** A restart deferred to the scheduler (see {@link Actor.#fail}). */
  #restartTimer: Subscription | undefined;
  #closed = false;
  #driving = false;
  #again = false;
  #starting = false;
  #rerun = false;

  constructor(link: PeerLink, transport: string, behaviour: Behaviour, host: ActorHost) {
    this.#link = link;
    this.#behaviour = behaviour;
    this.#host = host;
    this.#mailbox = new Mailbox<Uint8Array>(host.mailbox);
    this.info = { id: link.id, local: link.local, remote: link.remote, transport };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs the behaviour, then starts reading the link. */
  start(): void {
    this.#host.emit({ type: 'opened', peer: this.info });
    if (this.#closed) return;
    // The behaviour first, so its consumer is attached before the first message arrives.
    this.#run();
    if (this.#closed) return;
    let sub: Subscription | undefined;
    try {
      sub = this.#link.inbound.subscribe({
        next: (message) => this.#onInbound(message),
        error: (error: unknown) => this.#close('link-error', error),
        complete: () => {
          this.#mailbox.end();
          this.#drive();
        },
      });
    } catch (error) {
      this.#close('link-error', error);
    }
    if (this.#closed) sub?.unsubscribe();
    else this.#inboundSub = sub;
    this.#drive();
  }

  /**
   * Server shutdown: release everything and report nothing (nobody listens any more), but count the
   * actor as closed, with what it lost: the server's live handle may still be read.
   */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#countClosed();
    this.#release();
  }

  /** Registers the reader of the mailbox for one run of the behaviour. */
  attach(generation: number, consumer: Consumer, onStale: () => void, onBusy: () => void): () => void {
    if (this.#closed || generation !== this.#generation) {
      // A peer object from a run that already ended (failed or restarted): it has nothing to read.
      onStale();
      return () => {};
    }
    if (this.#consumer !== undefined) {
      onBusy();
      return () => {};
    }
    this.#consumer = consumer;
    this.drive();
    return () => {
      if (this.#consumer === consumer) {
        this.#consumer = undefined;
        this.#updateIdle();
      }
    };
  }

  /**
   * `peer.handle(fn)` failed for the message it held: that message ends here, unanswered, so it is
   * counted `undelivered` (whatever supervision does next) — no message goes uncounted.
   */
  handlingFailed(generation: number): void {
    if (this.#closed || generation !== this.#generation) return;
    this.#host.stats.undelivered++;
  }

  /** `peer.handle(fn)` failed for one message: true when supervision says to skip it and go on. */
  tryResume(generation: number, error: unknown): boolean {
    if (this.#closed || generation !== this.#generation) return false;
    if (this.#host.supervision.strategy !== 'resume') return false;
    const stats = this.#host.stats;
    stats.failed++;
    this.#host.emit({ type: 'failed', peer: this.info, error, outcome: 'resume', restarts: this.#restarts });
    if (this.#closed) return true;
    stats.resumed++;
    this.#host.emit({ type: 'resumed', peer: this.info, error });
    return true;
  }

  drive(): void {
    this.#drive();
  }

  /**
   * Starts a run of the behaviour. A run that fails while starting asks for the next one through
   * `#rerun` instead of recursing, so a behaviour that always throws at once costs a loop of at most
   * `maxRestarts` turns, never a deep stack.
   */
  #run(): void {
    if (this.#starting) {
      this.#rerun = true;
      return;
    }
    this.#starting = true;
    try {
      do {
        this.#rerun = false;
        this.#runOnce();
      } while (this.#rerun && !this.#closed);
    } finally {
      this.#starting = false;
    }
  }

  #runOnce(): void {
    const generation = ++this.#generation;
    this.#behaviourDone = false;
    const peer = new ActorPeer(this, generation, this.#restarts);
    let sub: Subscription;
    try {
      sub = this.#behaviour(peer).subscribe({
        next: (reply) => {
          if (generation !== this.#generation || this.#closed) return;
          if (this.#outbound.length + (this.#sending ? 1 : 0) >= this.#host.maxPendingReplies) {
            this.#replyOverflow(generation, 'count');
            return;
          }
          // Bytes as well as replies: 1,024 replies of 64 KiB to a peer that never reads is 64 MiB.
          // An empty queue takes any one reply, so a reply larger than the bound is still sent.
          const pendingBytes = this.#outboundBytes + (this.#sending ? this.#sendBytes : 0);
          const size = reply.byteLength;
          if (pendingBytes > 0 && pendingBytes + size > this.#host.maxPendingReplyBytes) {
            this.#replyOverflow(generation, 'bytes');
            return;
          }
          this.#outboundBytes += size;
          this.#outbound.push(reply);
          this.#drive();
        },
        error: (error: unknown) => this.#fail(generation, error),
        complete: () => {
          if (generation !== this.#generation || this.#closed) return;
          this.#behaviourDone = true;
          this.#drive();
        },
      });
    } catch (error) {
      // The behaviour threw before returning its Observable (or returned something else).
      this.#fail(generation, error);
      return;
    }
    if (generation === this.#generation && !this.#closed) this.#behaviourSub = sub;
    else sub.unsubscribe();
  }

  /**
   * The behaviour emitted a reply while `maxPendingReplies` were already waiting for the link: it
   * produces faster than the peer reads (a timer or broadcast to a peer that does not read). The
   * reply is refused (counted `unsent`) and the run fails, so supervision decides, as for any failure.
   */
  #replyOverflow(generation: number, bound: 'count' | 'bytes'): void {
    const limit = this.#host.maxPendingReplies;
    this.#host.stats.unsent++;
    const error =
      bound === 'count'
        ? new MailboxOverflowError(
            limit,
            `reply queue full: ${limit} replies to ${this.info.id} are waiting for the link to send them ` +
              '(ServeOptions.maxPendingReplies)',
          )
        : new MailboxOverflowError(
            limit,
            `reply queue full: ${this.#outboundBytes + (this.#sending ? this.#sendBytes : 0)} bytes of ` +
              `replies to ${this.info.id} are waiting for the link to send them, and one more would pass ` +
              `ServeOptions.maxPendingReplyBytes ${this.#host.maxPendingReplyBytes}`,
          );
    this.#fail(generation, error);
    this.#drive();
  }

  #onInbound(message: Uint8Array): void {
    if (this.#closed) return;
    const stats = this.#host.stats;
    stats.messagesIn++;
    stats.bytesIn += message.byteLength;
    this.#cancelIdle();
    const mailbox = this.#mailbox;
    if (mailbox.fits(message)) {
      mailbox.push(message);
      if (
        mailbox.overflow === 'backpressure' &&
        this.#link.pause !== undefined &&
        !this.#paused &&
        mailbox.aboveHighWater
      ) {
        this.#paused = true;
        this.#link.pause();
        stats.paused++;
        this.#host.emit({ type: 'backpressure', peer: this.info, paused: true, queued: mailbox.size });
      }
    } else {
      switch (mailbox.overflow) {
        case 'drop-oldest': {
          // Over the byte bound, one message out may not make room: drop until it fits (an empty
          // mailbox takes any message, so this ends).
          while (!mailbox.fits(message)) this.#drop('oldest', mailbox.shift() as Uint8Array);
          mailbox.push(message);
          break;
        }
        case 'drop-newest':
          this.#drop('newest', message);
          break;
        case 'backpressure':
          this.#drop('newest', message);
          // A pausable link that keeps delivering past the whole capacity broke its contract:
          // dropping a chunk of a byte stream would corrupt it, so the actor fails instead.
          if (this.#link.pause !== undefined) this.#fail(this.#generation, this.#mailboxOverflow());
          break;
        case 'fail':
          this.#drop('newest', message);
          this.#fail(this.#generation, this.#mailboxOverflow());
          break;
      }
    }
    this.#drive();
  }

  #mailboxOverflow(): MailboxOverflowError {
    const mailbox = this.#mailbox;
    return mailbox.isFull
      ? new MailboxOverflowError(mailbox.capacity)
      : new MailboxOverflowError(
          mailbox.capacity,
          `mailbox full: ${mailbox.bytes} bytes are waiting, and one more message would pass maxBytes ${mailbox.maxBytes}`,
        );
  }

  #drop(which: 'newest' | 'oldest', message: Uint8Array): void {
    this.#dropped++;
    this.#host.stats.dropped++;
    this.#host.emit({
      type: 'dropped',
      peer: this.info,
      which,
      overflow: this.#mailbox.overflow,
      bytes: message.byteLength,
      peerDropped: this.#dropped,
    });
  }

  #drive(): void {
    if (this.#driving) {
      this.#again = true;
      return;
    }
    this.#driving = true;
    try {
      do {
        this.#again = false;
        this.#step();
      } while (this.#again && !this.#closed);
    } finally {
      this.#driving = false;
    }
  }

  #step(): void {
    for (;;) {
      if (this.#closed) return;
      if (!this.#sending && this.#outbound.length > 0) {
        this.#sendNext();
        continue;
      }
      const consumer = this.#consumer;
      // Delivery waits for the outbound queue to drain: the socket paces the behaviour.
      if (consumer === undefined || this.#sending || this.#outbound.length > 0 || !consumer.ready()) break;
      const message = this.#mailbox.shift();
      if (message !== undefined) {
        // Deliver before resuming the link: what the link delivers on resume must not overtake it.
        consumer.deliver(message);
        this.#afterTake();
        continue;
      }
      if (this.#mailbox.ended) {
        consumer.end();
        continue;
      }
      break;
    }
    if (this.#behaviourDone && !this.#sending && this.#outbound.length === 0) {
      this.#close('completed');
      return;
    }
    this.#updateIdle();
  }

  #afterTake(): void {
    const mailbox = this.#mailbox;
    if (!this.#closed && this.#paused && mailbox.belowLowWater) {
      this.#paused = false;
      this.#link.resume?.();
      this.#host.emit({ type: 'backpressure', peer: this.info, paused: false, queued: mailbox.size });
    }
  }

  #sendNext(): void {
    const data = this.#outbound.shift() as Uint8Array;
    this.#outboundBytes -= data.byteLength;
    this.#sending = true;
    this.#sendBytes = data.byteLength;
    let sub: Subscription | undefined;
    try {
      sub = this.#link.send(data).subscribe(this.#sendObserver);
    } catch (error) {
      this.#sendError(error);
    }
    // #sendNext runs inside #drive, so a send that settled synchronously cannot have been followed
    // by another one yet: still sending means this send is pending.
    if (this.#sending) this.#sendSub = sub;
  }

  // One observer for every send: a send is the per-message hot path, so it allocates no closures.
  readonly #sendObserver = {
    error: (error: unknown) => this.#sendError(error),
    complete: () => {
      this.#sending = false;
      this.#sendSub = undefined;
      const stats = this.#host.stats;
      stats.messagesOut++;
      stats.bytesOut += this.#sendBytes;
      this.#drive();
    },
  };

  #sendError(error: unknown): void {
    this.#sending = false;
    this.#sendSub = undefined;
    // The reply the link refused was not sent: counted, or it would vanish from the totals.
    this.#host.stats.unsent++;
    // The link failed, whichever run emitted the reply: replies outlive a restart, so their failure
    // is the actor's now (checked against the emitting run, it vanished uncounted after a restart).
    this.#fail(this.#generation, error);
    this.#drive();
  }

  #fail(generation: number, error: unknown): void {
    if (this.#closed || generation !== this.#generation) return;
    this.#retireRun();
    const host = this.#host;
    const { strategy, maxRestarts, withinMs } = host.supervision;
    if (strategy !== 'stop') {
      const now = host.scheduler.now();
      const times = this.#restartTimes;
      while (this.#restartHead < times.length && now - (times[this.#restartHead] as number) >= withinMs) {
        this.#restartHead++;
      }
      if (this.#restartHead > 64 && this.#restartHead * 2 > times.length) {
        this.#restartTimes = times.slice(this.#restartHead);
        this.#restartHead = 0;
      }
      if (this.#restartTimes.length - this.#restartHead < maxRestarts) {
        // An unbounded limit needs no history (and must not grow one for ever).
        if (maxRestarts !== Number.POSITIVE_INFINITY) this.#restartTimes.push(now);
        this.#restarts++;
        host.stats.failed++;
        host.emit({ type: 'failed', peer: this.info, error, outcome: 'restart', restarts: this.#restarts });
        if (this.#closed) return;
        host.stats.restarted++;
        host.emit({ type: 'restarted', peer: this.info, restarts: this.#restarts });
        if (this.#closed) return;
        // This restart replaces one still pending (a send of the old run failed meanwhile).
        this.#restartTimer?.unsubscribe();
        this.#restartTimer = undefined;
        if (this.#starting && maxRestarts === Number.POSITIVE_INFINITY) {
          // The run failed while starting and no limit will ever stop the loop: restart on the next
          // scheduler turn, so a behaviour that always fails at once cannot hold the event loop
          // (and every other peer) forever.
          this.#restartTimer = host.scheduler.schedule(() => {
            this.#restartTimer = undefined;
            if (this.#closed) return;
            this.#run();
            this.#drive();
          });
          return;
        }
        this.#run();
        this.#drive();
        return;
      }
    }
    host.stats.failed++;
    host.emit({ type: 'failed', peer: this.info, error, outcome: 'stop', restarts: this.#restarts });
    this.#close('failed', error);
  }

  /** Ends the current run of the behaviour: its callbacks and its peer object go stale. */
  #retireRun(): void {
    this.#generation++;
    // A message `peer.handle` was still working on is cut off with the run (a failure elsewhere, a
    // restart): it will never be answered.
    if (this.#consumer?.busy() === true) this.#host.stats.undelivered++;
    this.#consumer = undefined;
    const sub = this.#behaviourSub;
    this.#behaviourSub = undefined;
    sub?.unsubscribe();
  }

  #updateIdle(): void {
    const idleMs = this.#host.idleTimeoutMs;
    if (idleMs === undefined || this.#closed) return;
    const idle =
      this.#mailbox.size === 0 &&
      !this.#sending &&
      this.#outbound.length === 0 &&
      !(this.#consumer?.busy() ?? false);
    if (!idle) {
      this.#cancelIdle();
    } else if (this.#idleTimer === undefined) {
      this.#idleTimer = this.#host.scheduler.schedule(() => {
        this.#idleTimer = undefined;
        if (this.#closed) return;
        this.#host.stats.idle++;
        this.#host.emit({ type: 'idle', peer: this.info, idleMs });
        this.#close('idle');
      }, idleMs);
    }
  }

  #cancelIdle(): void {
    const timer = this.#idleTimer;
    this.#idleTimer = undefined;
    timer?.unsubscribe();
  }

  #close(reason: CloseReason, error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    const { undelivered, unsent } = this.#countClosed();
    this.#release();
    const host = this.#host;
    host.released(this);
    host.emit(
      error === undefined
        ? { type: 'closed', peer: this.info, reason, undelivered, unsent }
        : { type: 'closed', peer: this.info, reason, undelivered, unsent, error },
    );
    host.settled();
  }

  /** Counts this actor as closed in the server's totals (before {@link Actor.#release} empties it). */
  #countClosed(): { readonly undelivered: number; readonly unsent: number } {
    // The message `peer.handle` is working on dies with the actor, like those still in the mailbox;
    // the consumer is dropped here so that #retireRun does not count it a second time.
    const inHand = this.#consumer?.busy() === true ? 1 : 0;
    this.#consumer = undefined;
    const undelivered = this.#mailbox.size + inHand;
    // A send in flight is cancelled with the link: it was not handed to the OS, so it is unsent too.
    const unsent = this.#outbound.length + (this.#sending ? 1 : 0);
    const stats = this.#host.stats;
    stats.active--;
    stats.closed++;
    stats.undelivered += undelivered;
    stats.unsent += unsent;
    return { undelivered, unsent };
  }

  #release(): void {
    this.#cancelIdle();
    this.#restartTimer?.unsubscribe();
    this.#restartTimer = undefined;
    this.#retireRun();
    this.#inboundSub?.unsubscribe();
    this.#inboundSub = undefined;
    this.#sendSub?.unsubscribe();
    this.#sendSub = undefined;
    this.#mailbox.clear();
    this.#outbound = [];
    this.#outboundBytes = 0;
    try {
      this.#link.close();
    } catch {
      // close() is documented idempotent and non-throwing; a faulty transport must not break shutdown.
    }
  }
}

/** The {@link Peer} a behaviour receives for one run; stale once that run ends. */
class ActorPeer implements Peer {
  readonly id: string;
  readonly local: Peer['local'];
  readonly remote: Peer['remote'];
  readonly transport: string;
  readonly restarts: number;
  readonly messages: Observable<Uint8Array>;
  readonly #actor: Actor;
  readonly #generation: number;

  constructor(actor: Actor, generation: number, restarts: number) {
    this.id = actor.info.id;
    this.local = actor.info.local;
    this.remote = actor.info.remote;
    this.transport = actor.info.transport;
    this.restarts = restarts;
    this.#actor = actor;
    this.#generation = generation;
    this.messages = new Observable<Uint8Array>((subscriber) => {
      let ended = false;
      return actor.attach(
        generation,
        {
          ready: () => !ended,
          busy: () => false,
          deliver: (message) => subscriber.next(message),
          end: () => {
            ended = true;
            subscriber.complete();
          },
        },
        () => subscriber.complete(),
        () => subscriber.error(secondConsumer(this.id)),
      );
    });
  }

  handle(fn: (message: Uint8Array) => ObservableInput<Uint8Array>): Observable<Uint8Array> {
    const actor = this.#actor;
    const generation = this.#generation;
    return new Observable<Uint8Array>((subscriber) => {
      let busy = false;
      let ended = false;
      let inner: Subscription | undefined;
      const failed = (error: unknown) => {
        busy = false;
        inner = undefined;
        actor.handlingFailed(generation);
        if (actor.tryResume(generation, error)) actor.drive();
        else subscriber.error(error);
      };
      // One observer for every message's output (the per-message path allocates no closures).
      const output = {
        next: (reply: Uint8Array) => subscriber.next(reply),
        error: failed,
        complete: () => {
          busy = false;
          inner = undefined;
          actor.drive();
        },
      };
      const detach = actor.attach(
        generation,
        {
          ready: () => !busy && !ended,
          busy: () => busy,
          deliver: (message) => {
            busy = true;
            let sub: Subscription;
            try {
              sub = from(fn(message)).subscribe(output);
            } catch (error) {
              failed(error);
              return;
            }
            if (busy) inner = sub;
          },
          end: () => {
            ended = true;
            subscriber.complete();
          },
        },
        () => subscriber.complete(),
        () => subscriber.error(secondConsumer(this.id)),
      );
      return () => {
        inner?.unsubscribe();
        detach();
      };
    });
  }
}

function secondConsumer(id: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `peer ${id} already has a reader: subscribe to peer.messages or peer.handle once (share() it to read twice)`,
  );
}
