import type { Subscription, Unsubscribable } from 'rxjs';
import type { MailboxOverflowError } from '../../errors.js';
import type { PeerLink } from '../../plugin.js';
import type { Behaviour } from '../peer.js';
import type { CloseReason, PeerInfo } from '../serverEvent.js';
import type { ActorHost } from './actorHost.js';
import { InboundObserver, RunObserver } from './actorObservers.js';
import { ActorPeer, type Consumer } from './actorPeer.js';
import type { IdleEntry } from './idleSweep.js';
import { Inbox, type InboxOwner } from './inbox.js';
import { ReplyQueue, type ReplyQueueOwner } from './replyQueue.js';
import { RestartBudget } from './restartBudget.js';

export type { ActorHost, EventBody } from './actorHost.js';

/**
 * One peer's actor: its mailbox ({@link Inbox}), the running behaviour, its {@link ReplyQueue},
 * supervision (with its {@link RestartBudget}) and its place in the server's {@link IdleSweep}.
 * Every state change goes through {@link Actor.drive}: transports and behaviours may call back.
 */
export class Actor implements ReplyQueueOwner, InboxOwner, IdleEntry {
  readonly info: PeerInfo;
  readonly #link: PeerLink;
  readonly #behaviour: Behaviour;
  readonly #host: ActorHost;
  // Made at the first message (or the peer's FIN) and at the first reply: an idle peer has neither.
  #inbox: Inbox | undefined;
  #replies: ReplyQueue | undefined;
  #generation = 0;
  #restarts = 0;
  /** Made at the first failure that supervision may restart: most actors never fail. */
  #budget: RestartBudget | undefined;
  #behaviourSub: Subscription | undefined;
  #behaviourDone = false;
  #consumer: Consumer | undefined;
  #inboundSub: Unsubscribable | undefined;
  /** @internal {@link IdleEntry} fields, owned by the server's idle sweep. */
  idleSince = 0;
  idleListed = false;
  idlePrev: IdleEntry | undefined;
  idleNext: IdleEntry | undefined;
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
    let sub: Unsubscribable | undefined;
    try {
      const link = this.#link;
      const observer = new InboundObserver(this);
      // `listen` where the link has it: the messages come straight in, without a subscriber chain.
      sub = link.listen === undefined ? link.inbound.subscribe(observer) : link.listen(observer);
    } catch (error) {
      this.#close('link-error', error);
    }
    if (this.#closed) sub?.unsubscribe();
    else this.#inboundSub = sub;
    this.drive();
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

  /**
   * Registers the reader of the mailbox for one run of the behaviour: `stale` when that run already
   * ended (failed or restarted: its peer object has nothing to read), `busy` when it has a reader.
   */
  attach(generation: number, consumer: Consumer): 'attached' | 'stale' | 'busy' {
    if (this.#closed || generation !== this.#generation) return 'stale';
    if (this.#consumer !== undefined && !this.#consumer.gone()) return 'busy';
    this.#consumer = consumer;
    this.drive();
    return 'attached';
  }

  /** The reader `consumer` unsubscribed (nothing when it is no longer the reader). */
  detach(consumer: Consumer): void {
    if (this.#consumer !== consumer) return;
    this.#consumer = undefined;
    this.#updateIdle();
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
      sub = this.#behaviour(peer).subscribe(new RunObserver(this, generation));
    } catch (error) {
      // The behaviour threw before returning its Observable (or returned something else).
      this.#fail(generation, error);
      return;
    }
    if (generation === this.#generation && !this.#closed) this.#behaviourSub = sub;
    else sub.unsubscribe();
  }

  /** @internal The link's inbound ended (the peer's FIN): the mailbox ends once drained. */
  inboundEnded(): void {
    if (this.#closed) return;
    (this.#inbox ??= new Inbox(this.#link, this.#host, this.info, this)).mailbox.end();
    this.drive();
  }

  /** @internal The link failed. */
  inboundFailed(error: unknown): void {
    this.#close('link-error', error);
  }

  /** @internal The run `generation` emitted a reply. */
  replied(generation: number, reply: Uint8Array): void {
    if (generation !== this.#generation || this.#closed) return;
    // The behaviour produces faster than the peer reads (a timer or broadcast to a peer that does
    // not read): the reply is refused (counted `unsent`) and the run fails, so supervision decides.
    this.#replies ??= new ReplyQueue(this.#link, this.#host, this);
    const refused = this.#replies.offer(reply, this.info.id);
    if (refused !== undefined) this.#fail(generation, refused);
    this.drive();
  }

  /** @internal The run `generation` failed. */
  runFailed(generation: number, error: unknown): void {
    this.#fail(generation, error);
  }

  /** @internal The run `generation` completed. */
  runCompleted(generation: number): void {
    if (generation !== this.#generation || this.#closed) return;
    this.#behaviourDone = true;
    this.drive();
  }

  /** @internal A message from the link. */
  onInbound(message: Uint8Array): void {
    if (this.#closed) return;
    const stats = this.#host.stats;
    stats.messagesIn++;
    stats.bytesIn += message.byteLength;
    this.#host.idleSweep?.busy(this);
    (this.#inbox ??= new Inbox(this.#link, this.#host, this.info, this)).put(message);
    this.drive();
  }

  /** @internal {@link InboxOwner}: the mailbox overflowed and its strategy fails the run. */
  overflowed(error: MailboxOverflowError): void {
    this.#fail(this.#generation, error);
  }

  /** Moves the actor on as far as it can; safe to call from anywhere, re-entrantly too. */
  drive(): void {
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
      const replies = this.#replies;
      if (replies !== undefined && !replies.sending && replies.queued > 0) {
        replies.sendNext();
        continue;
      }
      const consumer = this.#consumer;
      // Delivery waits for the reply queue to drain: the socket paces the behaviour.
      if (consumer === undefined || !(replies?.empty ?? true) || !consumer.ready()) break;
      const inbox = this.#inbox;
      const message = inbox?.mailbox.shift();
      if (message !== undefined) {
        // Deliver before resuming the link: what the link delivers on resume must not overtake it.
        consumer.deliver(message);
        inbox?.taken();
        continue;
      }
      if (inbox?.mailbox.ended === true) {
        consumer.end();
        continue;
      }
      break;
    }
    if (this.#behaviourDone && (this.#replies?.empty ?? true)) {
      this.#close('completed');
      return;
    }
    this.#updateIdle();
  }

  /** @internal {@link ReplyQueueOwner}: a send settled. */
  sent(): void {
    this.drive();
  }

  /** @internal {@link ReplyQueueOwner}: the link refused a reply. */
  sendFailed(error: unknown): void {
    // The link failed, whichever run emitted the reply: replies outlive a restart, so their failure
    // is the actor's now (checked against the emitting run, it vanished uncounted after a restart).
    this.#fail(this.#generation, error);
    this.drive();
  }

  #fail(generation: number, error: unknown): void {
    if (this.#closed || generation !== this.#generation) return;
    this.#retireRun();
    const host = this.#host;
    const { strategy, maxRestarts, withinMs } = host.supervision;
    if (strategy !== 'stop') {
      const budget = (this.#budget ??= new RestartBudget(maxRestarts, withinMs));
      if (budget.take(host.scheduler.now())) {
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
            this.drive();
          });
          return;
        }
        this.#run();
        this.drive();
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
    const sweep = this.#host.idleSweep;
    if (sweep === undefined || this.#closed) return;
    const idle =
      (this.#inbox?.mailbox.size ?? 0) === 0 &&
      (this.#replies?.empty ?? true) &&
      !(this.#consumer?.busy() ?? false);
    if (idle) sweep.idle(this);
    else sweep.busy(this);
  }

  /** @internal {@link IdleEntry}: idle for the whole timeout. */
  idleExpired(): void {
    if (this.#closed) return;
    this.#host.stats.idle++;
    this.#host.emit({ type: 'idle', peer: this.info, idleMs: this.#host.idleTimeoutMs as number });
    this.#close('idle');
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
    const undelivered = (this.#inbox?.mailbox.size ?? 0) + inHand;
    // A send in flight is cancelled with the link: it was not handed to the OS, so it is unsent too.
    const unsent = this.#replies?.pending ?? 0;
    this.#host.stats.actorClosed(undelivered, unsent);
    return { undelivered, unsent };
  }

  #release(): void {
    this.#host.idleSweep?.busy(this);
    this.#restartTimer?.unsubscribe();
    this.#restartTimer = undefined;
    this.#retireRun();
    this.#inboundSub?.unsubscribe();
    this.#inboundSub = undefined;
    this.#replies?.clear();
    this.#inbox?.mailbox.clear();
    try {
      this.#link.close();
    } catch {
      // close() is documented idempotent and non-throwing; a faulty transport must not break shutdown.
    }
  }
}
