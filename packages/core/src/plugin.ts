import type { Observable, Observer, Unsubscribable } from 'rxjs';
import type { Endpoint } from './endpoint.js';

/**
 * The plugin contract: what a transport (UDP, TCP, the simulated network) gives the actor runtime.
 * `core` knows only this; the transports implement it and never import each other.
 *
 * A transport turns an address into **peers**: for TCP each accepted connection is a peer, for UDP
 * each remote endpoint that sends a datagram is a peer (datagrams are demultiplexed by origin).
 *
 * Lifetime = subscription: subscribing to {@link TransportPlugin.open} performs SOCKET + BIND (+ LISTEN);
 * unsubscribing closes the socket and every peer link it produced.
 *
 * @example
 * ```ts
 * serve(udpTransport({ port: 0 }), (peer) => peer.messages).subscribe((event) => console.log(event.type));
 * ```
 */
export interface TransportPlugin {
  /** Short name used in events and logs: `udp`, `tcp`, `sim`. */
  readonly name: string;
  /** Opens the listening socket. Emits `listening` once, then one `peer` event per new peer. */
  open(): Observable<TransportEvent>;
}

/** What a transport emits while open. */
export type TransportEvent =
  | { readonly type: 'listening'; readonly local: Endpoint }
  | { readonly type: 'peer'; readonly link: PeerLink }
  /** Something the transport refused or discarded before any actor saw it (counted, never silent). */
  | {
      readonly type: 'rejected';
      readonly remote?: Endpoint;
      readonly reason: string;
      readonly bytes?: number;
    };

/**
 * One peer as the transport sees it: its inbound messages, a way to send, flow control and close.
 *
 * For UDP a message is one datagram's payload; for TCP it is one chunk of the byte stream (frame it
 * with a decoder).
 */
export interface PeerLink {
  /** Unique within its transport, e.g. `tcp:127.0.0.1:50312` or `udp:[::1]:40000`. */
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /**
   * Inbound messages. Completes when the peer ends its side (TCP FIN) or the link is closed; errors
   * with a {@link @porta/core!PortaError} on failure (e.g. `CONNECTION_RESET`). Subscribe at most once.
   */
  readonly inbound: Observable<Uint8Array>;
  /**
   * The same stream as {@link PeerLink.inbound}, pushed straight to `receiver` — optional: a link
   * that has it spares each peer an RxJS subscriber chain (the runtime uses it instead of
   * subscribing to `inbound`). `receiver` gets exactly what a subscriber of `inbound` would (no call
   * after `error` or `complete`, none after the returned handle's `unsubscribe`). At most once per
   * link, and not together with `inbound`.
   */
  listen?(receiver: Observer<Uint8Array>): Unsubscribable;
  /**
   * Sends one message with `sendall` semantics: the returned Observable completes once the bytes
   * are handed to the OS in full (waiting for `drain` when the socket's buffer is full), or errors.
   */
  send(data: Uint8Array): Observable<void>;
  /**
   * Sends several messages in order, in as few writes as the link can (TCP: gathered into writes of
   * at most `maxWriteBatchBytes`), each with `sendall` semantics — optional: the runtime uses it for
   * replies that queued up together, and {@link PeerLink.send} one by one on a link without it.
   * Emits, each time the OS has taken some of them, how many (in order; the counts add up to
   * `data.length`), then completes; errors once when the rest cannot be sent — the messages not
   * yet counted were not sent.
   */
  sendBatch?(data: readonly Uint8Array[]): Observable<number>;
  /**
   * {@link PeerLink.send} without the Observable — optional, for links whose sends are cheap enough
   * that one Observable and subscriber per message shows (a datagram link: the runtime then sends
   * every reply this way). Starts the send at once and tells `observer` what a subscriber to
   * `send(data)` would be told: `next` and `complete` once the OS has the bytes, or `error` with
   * the same typed error. It cannot be cancelled: a caller that stops caring ignores what it is
   * told afterwards.
   */
  sendDirect?(data: Uint8Array, observer: Observer<void>): void;
  /**
   * Stops reading from the peer — a capability: present only where pausing really stops the peer
   * (TCP: `socket.pause()`, the kernel window closes, the sender blocks). A datagram link has none,
   * since nothing can slow a UDP sender; the runtime then drops what overflows and counts it. A link
   * with `pause` has `resume` too.
   */
  pause?(): void;
  /** Resumes reading after {@link PeerLink.pause}; present exactly when `pause` is. */
  resume?(): void;
  /** Half-close: no more sends (TCP FIN); inbound may go on. A no-op for UDP. */
  end(): void;
  /** Closes the link and releases everything it holds. Idempotent. */
  close(): void;
}
