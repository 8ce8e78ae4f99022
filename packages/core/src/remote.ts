import { type Endpoint, endpoint } from './endpoint.js';
import { InvalidArgumentError } from './errors.js';

/**
 * A remote in the shape every porta API takes: an IP address and a port, the family inferred from
 * the address. Any {@link Endpoint} (a datagram's `remote`, a listener's `local`) is one too.
 *
 * @example
 * ```ts
 * const server: Remote = { address: '127.0.0.1', port: 1060 };
 * requester(socket).request(payload, server);
 * ```
 */
export interface Remote {
  readonly address: string;
  readonly port: number;
}

/**
 * The {@link Endpoint} of a {@link Remote}: the family inferred from the address (an `Endpoint`
 * passed in keeps its own), the port checked.
 *
 * @example
 * ```ts
 * toEndpoint({ address: '::1', port: 1060 }); // { address: '::1', port: 1060, family: 'IPv6' }
 * ```
 * @throws {@link InvalidArgumentError} for an address that is not an IP literal or a bad port.
 */
export function toEndpoint(remote: Remote | Endpoint): Endpoint {
  if (typeof remote !== 'object' || remote === null || typeof remote.address !== 'string') {
    throw new InvalidArgumentError(`a remote must be { address, port }, got ${String(remote)}`);
  }
  if ('family' in remote && (remote.family === 'IPv4' || remote.family === 'IPv6')) return remote;
  return endpoint(remote.address, remote.port);
}
