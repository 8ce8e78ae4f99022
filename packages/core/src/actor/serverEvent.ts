import type { Endpoint } from '../endpoint.js';
import type { OverflowStrategy } from './mailbox.js';
import type { SupervisionStrategy } from './supervision.js';

/**
 * Who an event is about: a peer's identity as the transport named it.
 *
 * @example
 * ```ts
 * declare const peer: PeerInfo;
 * const who = `${peer.transport} ${peer.id}`;
 * ```
 */
export interface PeerInfo {
  /** Unique within its transport, e.g. `tcp:127.0.0.1:50312`. */
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** The transport's name: `udp`, `tcp`, `sim`, `memory`. */
  readonly transport: string;
}

/**
 * Running totals of one server since it was subscribed. Every event carries a frozen snapshot, so
 * nothing is counted in silence: `dropped`, `rejected`, `undelivered` and `unsent` say what was lost.
 *
 * @example
 * ```ts
 * serve(memoryTransport(), echo)
 *   .pipe(takeUntil(timer(1_000)), last())
 *   .subscribe((e) => console.log(e.stats.dropped));
 * ```
 */
export interface ServerStats {
  /** Actors alive now. */
  readonly active: number;
  readonly opened: number;
  readonly closed: number;
  /** Behaviour failures, whatever the supervision outcome. */
  readonly failed: number;
  readonly restarted: number;
  readonly resumed: number;
  /** Messages discarded by a mailbox's overflow strategy. */
  readonly dropped: number;
  /**
   * What was refused before any actor saw it: peers beyond `maxActors` (by the server), and whatever
   * the transport reports as `rejected` (e.g. UDP datagrams past a full peer table or backlog).
   */
  readonly rejected: number;
  /** Actors retired by `idleTimeoutMs`. */
  readonly idle: number;
  /** Times a link was paused by backpressure. */
  readonly paused: number;
  /**
   * Inbound messages that never got through their behaviour: still in a mailbox when their actor
   * closed, or taken by `peer.handle` and not finished — its function failed for it (whatever
   * supervision did next), or the run or actor ended while it worked. For a behaviour that answers
   * each message once through `peer.handle`, `messagesIn = messagesOut + dropped + undelivered +
   * unsent` once every actor is closed (and `≥` while they run).
   */
  readonly undelivered: number;
  /**
   * Replies emitted by a behaviour and never sent: queued or in flight when their actor closed,
   * refused by the link's `send` (the error then fails the actor), or refused because
   * `maxPendingReplies` / `maxPendingReplyBytes` were already waiting.
   */
  readonly unsent: number;
  readonly messagesIn: number;
  readonly bytesIn: number;
  /** Replies fully handed to the transport. */
  readonly messagesOut: number;
  readonly bytesOut: number;
}

/**
 * Fields every {@link ServerEvent} carries.
 *
 * @example
 * ```ts
 * events.subscribe((e) => console.log(e.at, e.type, e.stats.active));
 * ```
 */
export interface ServerEventBase {
  /** The server's totals right after this event. */
  readonly stats: ServerStats;
  /** `scheduler.now()` when the event happened (virtual time under a test scheduler). */
  readonly at: number;
}

/**
 * A live view of one running server: read the totals at any time, not only when an event happens.
 * Once the server is unsubscribed it keeps its final totals, every actor counted as closed.
 *
 * @example
 * ```ts
 * serve(udpTransport({ port: 0 }), echo).subscribe((e) => {
 *   if (e.type === 'listening') setInterval(() => console.log(e.server.stats()), 1000);
 * });
 * ```
 */
export interface ServerHandle extends AsyncDisposable {
  /** The totals now. */
  stats(): ServerStats;
  /** The peers that have a live actor now. */
  peers(): readonly PeerInfo[];
  /**
   * Stops the server as unsubscribing does — every actor, link and timer, then the transport — and
   * completes its event stream; resolves once the transport's sockets are closed. Idempotent.
   */
  close(): Promise<void>;
  /** `await using server = await startServer(…)`: {@link ServerHandle.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The transport is listening.
 *
 * @example
 * ```ts
 * if (e.type === 'listening') console.log(`${e.transport} on port ${e.local.port}`);
 * ```
 */
export interface ListeningEvent extends ServerEventBase {
  readonly type: 'listening';
  readonly local: Endpoint;
  readonly transport: string;
  /** Live totals and peers of this server. */
  readonly server: ServerHandle;
}

/**
 * A new peer got an actor.
 *
 * @example
 * ```ts
 * if (e.type === 'opened') console.log('hello', formatEndpoint(e.peer.remote));
 * ```
 */
export interface OpenedEvent extends ServerEventBase {
  readonly type: 'opened';
  readonly peer: PeerInfo;
}

/**
 * Why an actor ended.
 *
 * @example
 * ```ts
 * if (e.type === 'closed' && e.reason === 'failed') console.error(e.error);
 * ```
 */
export type CloseReason =
  /** The behaviour completed and its replies were sent. */
  | 'completed'
  /** Supervision stopped it after a failure. */
  | 'failed'
  /** Retired by `idleTimeoutMs`. */
  | 'idle'
  /** The link's inbound errored (e.g. `CONNECTION_RESET`). */
  | 'link-error';

/**
 * An actor ended and its link was closed.
 *
 * @example
 * ```ts
 * if (e.type === 'closed') console.log(e.peer.id, e.reason, `${e.undelivered} undelivered`);
 * ```
 */
export interface ClosedEvent extends ServerEventBase {
  readonly type: 'closed';
  readonly peer: PeerInfo;
  readonly reason: CloseReason;
  /** Inbound messages discarded with the mailbox, plus the one `peer.handle` was working on. */
  readonly undelivered: number;
  /** Replies whose send had not completed: queued, or in flight and cancelled with the link. */
  readonly unsent: number;
  /** The failure, for `failed` and `link-error`. */
  readonly error?: unknown;
}

/**
 * A behaviour failed; `outcome` is what supervision did about it.
 *
 * @example
 * ```ts
 * if (e.type === 'failed') console.warn(`${e.peer.id}: ${String(e.error)} → ${e.outcome}`);
 * ```
 */
export interface FailedEvent extends ServerEventBase {
  readonly type: 'failed';
  readonly peer: PeerInfo;
  readonly error: unknown;
  readonly outcome: SupervisionStrategy;
  /** Restarts of this actor so far (including this one when `outcome` is `restart`). */
  readonly restarts: number;
}

/**
 * The behaviour runs again, with fresh state, for the same peer.
 *
 * @example
 * ```ts
 * if (e.type === 'restarted') console.log(`${e.peer.id} restart #${e.restarts}`);
 * ```
 */
export interface RestartedEvent extends ServerEventBase {
  readonly type: 'restarted';
  readonly peer: PeerInfo;
  readonly restarts: number;
}

/**
 * A `peer.handle` function failed for one message; that message was dropped and the actor goes on.
 *
 * @example
 * ```ts
 * if (e.type === 'resumed') console.log(`${e.peer.id} skipped a message: ${String(e.error)}`);
 * ```
 */
export interface ResumedEvent extends ServerEventBase {
  readonly type: 'resumed';
  readonly peer: PeerInfo;
  readonly error: unknown;
}

/**
 * A mailbox overflowed and discarded a message.
 *
 * @example
 * ```ts
 * if (e.type === 'dropped') console.warn(`${e.peer.id} lost ${e.bytes} bytes (${e.which})`);
 * ```
 */
export interface DroppedEvent extends ServerEventBase {
  readonly type: 'dropped';
  readonly peer: PeerInfo;
  /** Which message was discarded: the one arriving or the oldest waiting. */
  readonly which: 'newest' | 'oldest';
  /** The mailbox's configured strategy (`backpressure` here means the link could not pause). */
  readonly overflow: OverflowStrategy;
  readonly bytes: number;
  /** Messages this peer has lost so far. */
  readonly peerDropped: number;
}

/**
 * A peer or message refused before any actor saw it.
 *
 * @example
 * ```ts
 * if (e.type === 'rejected' && e.reason === 'max-actors') console.warn('server full');
 * ```
 */
export interface RejectedEvent extends ServerEventBase {
  readonly type: 'rejected';
  /** `server` for `maxActors`; `transport` for what the transport refused (forwarded). */
  readonly by: 'server' | 'transport';
  /** `max-actors`, or the transport's reason. */
  readonly reason: string;
  readonly remote?: Endpoint;
  readonly bytes?: number;
  /** The peer refused by `maxActors`. */
  readonly peer?: PeerInfo;
}

/**
 * An actor had nothing to do for `idleTimeoutMs` and is being retired (a `closed` event follows).
 *
 * @example
 * ```ts
 * if (e.type === 'idle') console.log(`${e.peer.id} idle for ${e.idleMs} ms`);
 * ```
 */
export interface IdleEvent extends ServerEventBase {
  readonly type: 'idle';
  readonly peer: PeerInfo;
  readonly idleMs: number;
}

/**
 * Backpressure paused a link (mailbox at its high-water mark) or resumed it (at its low-water mark).
 *
 * @example
 * ```ts
 * if (e.type === 'backpressure') console.log(e.paused ? 'slow down' : 'go on', e.queued);
 * ```
 */
export interface BackpressureEvent extends ServerEventBase {
  readonly type: 'backpressure';
  readonly peer: PeerInfo;
  readonly paused: boolean;
  /** Messages waiting in the mailbox at that moment. */
  readonly queued: number;
}

/**
 * Everything a server reports, one event at a time: observe it for logs, metrics and tests.
 * Branch on `type`; every event carries the running {@link ServerStats}.
 *
 * @example
 * ```ts
 * serve(transport, echo).subscribe((e) => {
 *   if (e.type === 'dropped') console.warn(`${e.peer.id} lost ${e.peerDropped} messages`);
 * });
 * ```
 */
export type ServerEvent =
  | ListeningEvent
  | OpenedEvent
  | ClosedEvent
  | FailedEvent
  | RestartedEvent
  | ResumedEvent
  | DroppedEvent
  | RejectedEvent
  | IdleEvent
  | BackpressureEvent;
