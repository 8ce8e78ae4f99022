import type { Server, Socket } from 'node:net';
import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { type Endpoint, formatEndpoint, type PortaError, TlsError } from '@porta/core';
import type { HandshakeDeadlines } from './handshakeDeadlines.js';
import { remoteOf } from './socketEndpoints.js';
import { tlsFailureReason } from './tlsFailureReason.js';

/** What a TLS listener does with the outcome of each handshake. */
export interface TlsAcceptHandlers {
  readonly handshakes: HandshakeDeadlines;
  /** Sockets already closed and reported (over the limit, after shutdown, timed out): not twice. */
  readonly refused: WeakSet<Socket>;
  /** A handshake finished; `raw` is the TCP socket under it, when node:tls says. */
  readonly secure: (socket: TLSSocket, raw: Socket | undefined) => void;
  readonly reject: (remote: Endpoint, error: PortaError) => void;
}

/**
 * Listens to a TLS server's handshake outcomes (`events` is the listening server, or the TLS
 * server that never listens when PROXY comes before TLS): a finished handshake ends its deadline
 * and goes to `secure` with half-close allowed; a failed one frees its slot at once and is
 * reported as a {@link TlsError} with the peer's address, unless the socket was already refused.
 */
export function onTlsAccept(events: Server | TlsServer, handlers: TlsAcceptHandlers): void {
  const { handshakes, refused } = handlers;
  events.on('secureConnection', (socket: TLSSocket) => {
    const raw = rawOf(socket);
    if (raw !== undefined) handshakes.end(raw);
    // Half-close (`end()` while reading on) from here on, as for plain TCP: see listenTcp.
    socket.allowHalfOpen = true;
    handlers.secure(socket, raw);
  });
  events.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    // node:tls wraps every accepted socket before our 'connection' handler runs, so one refused
    // there (over maxConnections, or after shutdown) also "hangs up" its handshake: already
    // reported (or deliberately dropped), it must not count twice. `_parent` is the raw socket.
    const raw = rawOf(socket);
    // Node leaves a socket whose handshake failed open: destroyed here, its slot is free at once.
    socket.destroy();
    raw?.destroy();
    if (raw !== undefined) {
      if (refused.has(raw)) return;
      refused.add(raw);
    }
    const remote = (raw === undefined ? undefined : handshakes.remoteOf(raw)) ?? remoteOf(socket);
    handlers.reject(
      remote,
      new TlsError(`TLS handshake with ${formatEndpoint(remote)} failed: ${tlsFailureReason(err)}`, {
        cause: err,
      }),
    );
  });
}

/** The raw TCP socket under a server-side TLS socket (`_parent`, which node:tls sets). */
function rawOf(socket: TLSSocket): Socket | undefined {
  return (socket as TLSSocket & { readonly _parent?: Socket })._parent;
}
