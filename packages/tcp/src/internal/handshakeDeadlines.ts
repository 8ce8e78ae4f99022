import type { Socket } from 'node:net';
import { type Endpoint, formatEndpoint, type PortaError, TimeoutError } from '@porta/core';
import type { SchedulerLike, Subscription } from 'rxjs';
import { remoteOf } from './socketEndpoints.js';

/**
 * A TLS listener's handshake deadlines: a handshake must finish within its deadline, or a peer that
 * never sends a ClientHello (or trickles one) would hold its `maxConnections` slot for as long as it
 * likes. Also remembers each peer's address read at accept (Node forgets it once the peer hangs up).
 */
export class HandshakeDeadlines {
  readonly #scheduler: SchedulerLike;
  readonly #deadlineMs: number;
  /** Sockets the listener already closed and reported: a late timeout must not report them again. */
  readonly #refused: WeakSet<Socket>;
  readonly #reject: (remote: Endpoint, error: PortaError) => void;
  readonly #remotes = new WeakMap<Socket, Endpoint>();
  readonly #timers = new Map<Socket, Subscription>();

  constructor(
    scheduler: SchedulerLike,
    deadlineMs: number,
    refused: WeakSet<Socket>,
    reject: (remote: Endpoint, error: PortaError) => void,
  ) {
    this.#scheduler = scheduler;
    this.#deadlineMs = deadlineMs;
    this.#refused = refused;
    this.#reject = reject;
  }

  /** The raw socket's handshake starts now. */
  start(raw: Socket): void {
    this.#remotes.set(raw, remoteOf(raw));
    const deadline = this.#deadlineMs;
    const timer = this.#scheduler.schedule(() => {
      this.#timers.delete(raw);
      if (raw.destroyed || this.#refused.has(raw)) return;
      this.#refused.add(raw);
      const remote = this.#remotes.get(raw) ?? remoteOf(raw);
      raw.destroy();
      this.#reject(
        remote,
        new TimeoutError(
          `TLS handshake with ${formatEndpoint(remote)} did not complete within ${deadline} ms`,
          deadline,
        ),
      );
    }, deadline);
    this.#timers.set(raw, timer);
  }

  /** The handshake finished, failed or its socket closed: no deadline any more. */
  end(raw: Socket): void {
    const timer = this.#timers.get(raw);
    if (timer === undefined) return;
    this.#timers.delete(raw);
    timer.unsubscribe();
  }

  /** The address the peer had at accept. */
  remoteOf(raw: Socket): Endpoint | undefined {
    return this.#remotes.get(raw);
  }

  /** From now on the peer is `remote` (the client its PROXY header named, read before TLS). */
  knownAs(raw: Socket, remote: Endpoint): void {
    this.#remotes.set(raw, remote);
  }

  /** The listener closes: every deadline goes. */
  cancelAll(): void {
    for (const timer of this.#timers.values()) timer.unsubscribe();
    this.#timers.clear();
  }
}
