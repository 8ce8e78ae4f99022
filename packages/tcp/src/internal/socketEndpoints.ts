import type { Server, Socket } from 'node:net';
import { type Endpoint, type Family, SocketError } from '@porta/core';

function family(value: string | undefined, address: string): Family {
  return value === 'IPv6' || (value === undefined && address.includes(':')) ? 'IPv6' : 'IPv4';
}

/** getsockname as an {@link @porta/core!Endpoint}; read while the socket is open (Node forgets it after close). */
export function localOf(socket: Socket): Endpoint {
  const address = socket.localAddress ?? '';
  return { address, port: socket.localPort ?? 0, family: family(socket.localFamily, address) };
}

/** getpeername as an {@link @porta/core!Endpoint}; read while the socket is open. */
export function remoteOf(socket: Socket): Endpoint {
  const address = socket.remoteAddress ?? '';
  return { address, port: socket.remotePort ?? 0, family: family(socket.remoteFamily, address) };
}

/** The address a listening server is bound to (getsockname), with the real port when asked for 0. */
export function listeningOn(server: Server): Endpoint {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new SocketError('listening server has no TCP address');
  }
  return { address: address.address, port: address.port, family: family(address.family, address.address) };
}

/** True for the any-address (`0.0.0.0`, `::`): a socket bound there has no single local address. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
