// Errors of sockets and connections: BIND/CONNECT failures, resets, limits, closed sockets,
// TLS handshakes and PROXY protocol headers.
import { hexPreview, PortaError } from './portaError.js';

/** Describes an address for messages: `127.0.0.1:1060`, `[::1]:1060`. */
function where(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** BIND/LISTEN failed because another socket holds the port (EADDRINUSE). */
export class AddressInUseError extends PortaError<'ADDRESS_IN_USE'> {
  override readonly name = 'AddressInUseError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super('ADDRESS_IN_USE', `port ${port} is already in use (${where(address, port)})`, options);
  }
}

/** BIND failed because the address is not on this machine (EADDRNOTAVAIL). */
export class AddressNotAvailableError extends PortaError<'ADDRESS_NOT_AVAILABLE'> {
  override readonly name = 'AddressNotAvailableError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'ADDRESS_NOT_AVAILABLE',
      `address ${where(address, port)} is not available on this machine`,
      options,
    );
  }
}

/** CONNECT was refused: nothing listens there (ECONNREFUSED). */
export class ConnectionRefusedError extends PortaError<'CONNECTION_REFUSED'> {
  override readonly name = 'ConnectionRefusedError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'CONNECTION_REFUSED',
      `connection to ${where(address, port)} was refused (nothing listening?)`,
      options,
    );
  }
}

/** The peer reset the connection (ECONNRESET / EPIPE). */
export class ConnectionResetError extends PortaError<'CONNECTION_RESET'> {
  override readonly name = 'ConnectionResetError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('CONNECTION_RESET', message, options);
  }
}

/** A server refused a connection because it already serves its maximum. */
export class ConnectionLimitError extends PortaError<'CONNECTION_LIMIT'> {
  override readonly name = 'ConnectionLimitError';
  constructor(readonly limit: number) {
    super(
      'CONNECTION_LIMIT',
      `connection refused: the server already has its maximum of ${limit} connections`,
    );
  }
}

/** ICMP port unreachable on a connected UDP socket (ECONNREFUSED on send/recv). */
export class PortUnreachableError extends PortaError<'PORT_UNREACHABLE'> {
  override readonly name = 'PortUnreachableError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'PORT_UNREACHABLE',
      `${where(address, port)} is unreachable: nothing listens on that UDP port`,
      options,
    );
  }
}

/** A datagram larger than the transport can carry (65,507 bytes over IPv4, 65,527 over IPv6). */
export class DatagramTooLargeError extends PortaError<'DATAGRAM_TOO_LARGE'> {
  override readonly name = 'DatagramTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('DATAGRAM_TOO_LARGE', `datagram of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** An operation on a socket that is already closed. */
export class SocketClosedError extends PortaError<'SOCKET_CLOSED'> {
  override readonly name = 'SocketClosedError';
  constructor(message = 'the socket is closed') {
    super('SOCKET_CLOSED', message);
  }
}

/** Any other socket failure, wrapping the system error (`cause`) and its errno code. */
export class SocketError extends PortaError<'SOCKET'> {
  override readonly name = 'SocketError';
  constructor(
    message: string,
    readonly syscallCode?: string,
    options?: { readonly cause?: unknown },
  ) {
    super('SOCKET', message, options);
  }
}

/**
 * A PROXY protocol header (HAProxy's v1 text line or v2 binary block) was malformed, too long,
 * truncated, too slow, or arrived from a source that is not trusted to send one. `received` holds
 * the first bytes seen (also shown in the message), so a log names what the peer really sent.
 */
export class ProxyProtocolError extends PortaError<'PROXY_PROTOCOL'> {
  override readonly name = 'ProxyProtocolError';
  constructor(
    readonly reason: string,
    readonly received?: Uint8Array,
  ) {
    super(
      'PROXY_PROTOCOL',
      `PROXY protocol: ${reason}` +
        (received && received.length > 0 ? ` (first bytes: ${hexPreview(received)})` : ''),
    );
  }
}

/**
 * A TLS handshake failed, on either side: a certificate refused, no protocol or cipher in common, a
 * peer that hung up mid-handshake. `cause` is node:tls's error; the message names the peer and why.
 */
export class TlsError extends PortaError<'TLS'> {
  override readonly name = 'TlsError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('TLS', message, options);
  }
}
