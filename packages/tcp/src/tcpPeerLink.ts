import type { Endpoint } from '@porta/core';
import type { PeerLink } from '@porta/core/transport';
import type { Observable, Observer, Unsubscribable } from 'rxjs';
import { readConnection } from './internal/connectionAccess.js';
import type { TcpConnection } from './tcpConnection.js';

/**
 * The {@link PeerLink} that `tcpTransport` gives the actor runtime for each accepted
 * {@link TcpConnection}: `inbound` is its `bytes` (`listen`, the same bytes without an Observable), `send` its `send` (a burst of replies: its `sendBatch`, one write), and it can pause (the kernel
 * window closes, so a full mailbox pushes back on the peer). One object with its methods on the
 * prototype, so a connection's link costs no closures. `connection` is the connection under it, for
 * code that handles the transport's events itself.
 *
 * @example
 * ```ts
 * tcpTransport({ port: 0 }).open().subscribe((event) => {
 *   if (event.type === 'peer' && event.link instanceof TcpPeerLink) console.log(event.link.connection.stats);
 * });
 * ```
 */
export class TcpPeerLink implements PeerLink {
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** The connection this link adapts. */
  readonly connection: TcpConnection;

  constructor(conn: TcpConnection) {
    this.connection = conn;
    this.id = conn.id;
    this.local = conn.local;
    this.remote = conn.remote;
  }

  get inbound(): Observable<Uint8Array> {
    return this.connection.bytes;
  }

  /** The connection's bytes straight to `receiver`: no Observable, no subscriber chain per peer. */
  listen(receiver: Observer<Uint8Array>): Unsubscribable {
    return readConnection(this.connection, receiver);
  }

  send(data: Uint8Array): Observable<void> {
    return this.connection.send(data);
  }

  sendBatch(data: readonly Uint8Array[]): Observable<number> {
    return this.connection.sendBatch(data);
  }

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
  }

  end(): void {
    this.connection.end();
  }

  close(): void {
    this.connection.close();
  }
}
