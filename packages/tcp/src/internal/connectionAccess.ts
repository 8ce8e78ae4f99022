import type { Observer, Unsubscribable } from 'rxjs';
import type { TcpConnection } from '../tcpConnection.js';
import type { ConnectionCore } from './connectionCore.js';

// The package's own way into a connection's core (set by TcpConnection's static block), so that
// `TcpPeerLink.listen` can read the bytes without the public class growing an internal method.
let coreOf: ((conn: TcpConnection) => ConnectionCore) | undefined;

/** @internal Called once, by `TcpConnection`. */
export function grantCoreAccess(access: (conn: TcpConnection) => ConnectionCore): void {
  coreOf = access;
}

/** `conn`'s bytes pushed straight to `receiver`, as a subscriber of `conn.bytes` would get them. */
export function readConnection(conn: TcpConnection, receiver: Observer<Uint8Array>): Unsubscribable {
  return (coreOf as (conn: TcpConnection) => ConnectionCore)(conn).read(receiver);
}
