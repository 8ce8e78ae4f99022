import { AddressInUseError, AddressNotAvailableError } from './errors.js';

/**
 * The errno-style code Node puts on system and TLS errors (`EADDRINUSE`, `ECONNRESET`,
 * `ERR_SSL_…`), or `undefined` when `err` carries none.
 *
 * @example
 * ```ts
 * import { connect } from 'node:net';
 * connect(1060, '127.0.0.1').on('error', (err) => errnoOf(err) === 'ECONNRESET' && console.log('reset'));
 * ```
 */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps the errno codes that mean the same for every transport — they concern the local address —
 * to porta's typed errors: `EADDRINUSE` → {@link AddressInUseError} (`ADDRESS_IN_USE`),
 * `EADDRNOTAVAIL` → {@link AddressNotAvailableError} (`ADDRESS_NOT_AVAILABLE`), naming `address`
 * and `port` and keeping `err` as `cause`. Any other error gives `undefined`: codes such as
 * `ECONNREFUSED` mean different things per protocol (TCP: connection refused; UDP: ICMP port
 * unreachable), so each transport maps them itself.
 *
 * @example
 * ```ts
 * const error = addressError(err, '127.0.0.1', 1060) ?? new SocketError(`bind failed: ${err}`, errnoOf(err));
 * ```
 */
export function addressError(
  err: unknown,
  address: string,
  port: number,
): AddressInUseError | AddressNotAvailableError | undefined {
  switch (errnoOf(err)) {
    case 'EADDRINUSE':
      return new AddressInUseError(address, port, { cause: err });
    case 'EADDRNOTAVAIL':
      return new AddressNotAvailableError(address, port, { cause: err });
    default:
      return undefined;
  }
}
