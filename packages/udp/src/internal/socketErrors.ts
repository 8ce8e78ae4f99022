import {
  AddressInUseError,
  AddressNotAvailableError,
  type Endpoint,
  isPortaError,
  type PortaError,
  PortUnreachableError,
  SocketError,
} from '@porta/core';

/** What was being done when the OS said no, so the error can name it. */
export interface ErrorContext {
  /** The address and port involved (bound, connected or sent to). */
  readonly address: string;
  readonly port: number;
  /** The operation, for the message of an otherwise unmapped error: `bind`, `connect`, `send`, `recv`. */
  readonly operation: string;
}

/** The errno code of a Node system error, if any. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a node:dgram failure to porta's typed errors: EADDRINUSE → ADDRESS_IN_USE, EADDRNOTAVAIL →
 * ADDRESS_NOT_AVAILABLE, ECONNREFUSED (ICMP port unreachable) → PORT_UNREACHABLE, anything else →
 * SOCKET carrying the errno code. The system error is kept as `cause`.
 */
export function toPortaError(err: unknown, context: ErrorContext): PortaError {
  if (isPortaError(err)) return err;
  const code = errnoOf(err);
  const { address, port } = context;
  switch (code) {
    case 'EADDRINUSE':
      return new AddressInUseError(address, port, { cause: err });
    case 'EADDRNOTAVAIL':
      return new AddressNotAvailableError(address, port, { cause: err });
    case 'ECONNREFUSED':
      return new PortUnreachableError(address, port, { cause: err });
    default: {
      const detail = err instanceof Error ? err.message : String(err);
      return new SocketError(`UDP ${context.operation} failed: ${detail}`, code, { cause: err });
    }
  }
}

/** Shorthand for a context naming an Endpoint. */
export function at(
  e: Endpoint | { readonly address: string; readonly port: number },
  operation: string,
): ErrorContext {
  return { address: e.address, port: e.port, operation };
}
