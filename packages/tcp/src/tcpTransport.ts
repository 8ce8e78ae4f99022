import type { TransportEvent, TransportPlugin } from '@porta/core/transport';
import { map, merge, type Observable, of, switchMap } from 'rxjs';
import { type ListenTcpOptions, listenTcp } from './listenTcp.js';
import { TcpPeerLink } from './tcpPeerLink.js';

/**
 * Options of {@link tcpTransport}: those of `listenTcp`.
 *
 * @example
 * ```ts
 * const options: TcpTransportOptions = { port: 0, maxConnections: 64 };
 * ```
 */
export type TcpTransportOptions = ListenTcpOptions;

/**
 * The TCP transport plugin for the actor runtime (`serve`): listens with {@link listenTcp} and turns
 * each accepted connection into a peer: its link reads the {@link TcpConnection}'s `bytes`, sends
 * with its `send`, and can pause (pause/resume stop and restart reading from the socket, so a full
 * mailbox pushes back on the peer). Connections over `maxConnections` and failed TLS handshakes
 * become `rejected` events.
 *
 * @example
 * ```ts
 * serve(tcpTransport({ port: 0, maxConnections: 100 }), (peer) => peer.messages).subscribe(console.log);
 * ```
 */
export function tcpTransport(options: TcpTransportOptions = {}): TransportPlugin {
  return {
    name: 'tcp',
    open(): Observable<TransportEvent> {
      return listenTcp(options).pipe(
        switchMap((listener) =>
          merge(
            of<TransportEvent>({ type: 'listening', local: listener.local }),
            listener.rejected.pipe(
              map((r): TransportEvent => ({ type: 'rejected', remote: r.remote, reason: r.reason })),
            ),
            listener.connections.pipe(
              map((conn): TransportEvent => ({ type: 'peer', link: new TcpPeerLink(conn) })),
            ),
          ),
        ),
      );
    },
  };
}
