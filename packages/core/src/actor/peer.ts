import type { Observable, ObservableInput } from 'rxjs';
import type { PeerInfo } from './serverEvent.js';

/**
 * One peer as its actor sees it: who it is, and its inbound messages.
 *
 * Read the messages in one of two forms (one consumer at a time):
 * - **stream form**, `peer.messages`: every message the mailbox holds, as an Observable. Delivery is
 *   held while replies are still being sent, so a behaviour that maps each message to its replies is
 *   paced by the socket. Operators that start asynchronous work (`mergeMap` over a promise) take
 *   messages out of the mailbox faster than they finish: use `handle` for that.
 * - **actor form**, `peer.handle(fn)`: one message at a time; the next is released only when the
 *   Observable (or promise, or array) `fn` returned for the previous one completes. A failure of `fn`
 *   for one message is what the `resume` supervision strategy can skip.
 *
 * @example
 * ```ts
 * const echo: Behaviour = (peer) => peer.messages;
 * const lookup: Behaviour = (peer) => peer.handle(async (query) => await db.lookup(query));
 * ```
 */
export interface Peer extends PeerInfo {
  /** Inbound messages from the mailbox. Completes once the peer ended its side and the mailbox is empty. */
  readonly messages: Observable<Uint8Array>;
  /** Processes messages one at a time; emits what `fn` produces for each, in order. */
  handle(fn: (message: Uint8Array) => ObservableInput<Uint8Array>): Observable<Uint8Array>;
  /** How many times this peer's behaviour was restarted before this run (0 on the first run). */
  readonly restarts: number;
}

/**
 * A server's logic for one peer: what to send back, as an Observable. Each emitted value is sent to
 * that peer (`sendall`: the next send waits for the previous one); when the Observable completes and
 * its replies are sent, the peer's link is closed. An error goes to supervision.
 *
 * The same behaviour runs unchanged over every transport (UDP, TCP, the simulated network, memory).
 *
 * @example
 * ```ts
 * const echo: Behaviour = (peer) => peer.messages;
 * serve(tcpTransport({ port: 0 }), echo).subscribe();
 * ```
 */
export type Behaviour = (peer: Peer) => Observable<Uint8Array>;
