import { type Endpoint, isPortaError, type PortaError, PortUnreachableError, SocketError } from '@porta/core';
import { addressError, errnoOf } from '@porta/core/transport';

/** What was being done when the OS said no, so the error can name it. */
export interface ErrorContext {
  /** The address and port involved (bound, connected or sent to). */
  readonly address: string;
  readonly port: number;
  /** The operation, for the message of an otherwise unmapped error: `bind`, `connect`, `send`, `recv`. */
  readonly operation: string;
}

/**
 * Maps a node:dgram failure to porta's typed errors: EADDRINUSE → ADDRESS_IN_USE, EADDRNOTAVAIL →
 * ADDRESS_NOT_AVAILABLE (both core's `addressError`), ECONNREFUSED (ICMP port unreachable) →
 * PORT_UNREACHABLE, anything else → SOCKET carrying the errno code. The system error is kept as
 * `cause`.
 */
export function toPortaError(err: unknown, context: ErrorContext): PortaError {
  if (isPortaError(err)) return err;
  const { address, port } = context;
  const addressLevel = addressError(err, address, port);
  if (addressLevel !== undefined) return addressLevel;
  const code = errnoOf(err);
  if (code === 'ECONNREFUSED') return new PortUnreachableError(address, port, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new SocketError(`UDP ${context.operation} failed: ${detail}`, code, { cause: err });
}

/** Shorthand for a context naming an Endpoint. */
export function at(
  e: Endpoint | { readonly address: string; readonly port: number },
  operation: string,
): ErrorContext {
  return { address: e.address, port: e.port, operation };
}
