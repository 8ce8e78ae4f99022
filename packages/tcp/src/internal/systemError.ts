import {
  ConnectionRefusedError,
  ConnectionResetError,
  PortaError,
  SocketClosedError,
  SocketError,
  TlsError,
} from '@porta/core';
import { addressError, dnsLookupError, errnoOf } from '@porta/core/transport';

function isTlsFailure(err: unknown, code: string | undefined): boolean {
  if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) return true;
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return true;
  if (code?.startsWith('UNABLE_TO_') || code?.startsWith('CERT_')) return true;
  return (err as { library?: unknown } | null)?.library === 'SSL routines';
}

/**
 * Turns a Node socket error into porta's typed error, with the address it concerns in the message.
 * A {@link @porta/core!PortaError} passes through unchanged; the address-level codes (EADDRINUSE,
 * EADDRNOTAVAIL) are core's `addressError`; ECONNREFUSED is `CONNECTION_REFUSED` for TCP.
 */
export function toPortaError(err: unknown, address: string, port: number, what = 'connection'): PortaError {
  if (err instanceof PortaError) return err;
  const lookup = dnsLookupError(err, address);
  if (lookup !== undefined) return lookup;
  const addressLevel = addressError(err, address, port);
  if (addressLevel !== undefined) return addressLevel;
  const code = errnoOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const at = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(address, port, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectionResetError(`${what} with ${at} was reset by the peer (${code})`, { cause: err });
    case 'ERR_STREAM_DESTROYED':
    case 'ERR_STREAM_WRITE_AFTER_END':
    // Node 22 and later fail the writes still queued when the socket is destroyed with libuv's
    // ECANCELED, where Node 20 reported ERR_STREAM_DESTROYED: the same close, seen from a write.
    case 'ECANCELED':
      return new SocketClosedError(`${what} with ${at} is closed: ${message}`);
  }
  if (isTlsFailure(err, code)) {
    return new TlsError(`TLS ${what} with ${at} failed: ${message}`, { cause: err });
  }
  return new SocketError(`${what} with ${at} failed: ${message}`, code, { cause: err });
}
