import { InvalidArgumentError } from './errors.js';
import { isIpv4, parseIpv6 } from './internal/ip.js';

/** IP family of an {@link Endpoint}. */
export type Family = 'IPv4' | 'IPv6';

/**
 * A socket address: the course's "IP + port".
 *
 * @example
 * ```ts
 * const server: Endpoint = { address: '127.0.0.1', port: 1060, family: 'IPv4' };
 * ```
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: Family;
}

/** A UDP message and who sent it (or, outbound, who it goes to). */
export interface Datagram {
  readonly data: Uint8Array;
  readonly remote: Endpoint;
}

/** A TCP byte stream's chunk: split wherever the network split it. */
export type Chunk = Uint8Array;

/**
 * The family of an IP literal, or `undefined` when `address` is not one (a host name, say, or a
 * malformed IPv6 literal such as `1::2::3`). IPv6 accepts the RFC 4291 text forms: compressed
 * (`::1`), with an IPv4 tail (`::ffff:1.2.3.4`) and with a zone id (`fe80::1%eth0`).
 *
 * @example
 * ```ts
 * familyOf('::1'); // 'IPv6'
 * familyOf('1::2::3'); // undefined
 * ```
 */
export function familyOf(address: string): Family | undefined {
  if (isIpv4(address)) return 'IPv4';
  if (parseIpv6(address) !== undefined) return 'IPv6';
  return undefined;
}

/**
 * Checks a port before any socket is made: an integer in 0..65535 (0 asks the OS for any free port).
 *
 * @example
 * ```ts
 * const port = assertPort(Number(process.env.PORT ?? 1060)); // 'abc' → INVALID_ARGUMENT naming NaN
 * ```
 * @throws {@link InvalidArgumentError} naming the bad value.
 */
export function assertPort(port: number, what = 'port'): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`${what} must be an integer from 0 to 65535, got ${String(port)}`);
  }
  return port;
}

/**
 * Builds an {@link Endpoint} from an IP literal and a port, checking both.
 *
 * @example
 * ```ts
 * endpoint('::1', 1060); // { address: '::1', port: 1060, family: 'IPv6' }
 * ```
 * @throws {@link InvalidArgumentError} for a port outside 0..65535 or an address that is not an IP literal.
 */
export function endpoint(address: string, port: number): Endpoint {
  const family = familyOf(address);
  if (family === undefined) {
    throw new InvalidArgumentError(`"${address}" is not an IPv4 or IPv6 address`);
  }
  return { address, port: assertPort(port), family };
}

/**
 * True when both name the same address, port and family.
 *
 * @example
 * ```ts
 * socket.datagrams.pipe(filter((d) => sameEndpoint(d.remote, server)));
 * ```
 */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.family === b.family && a.address === b.address;
}

/**
 * `127.0.0.1:1060` or `[::1]:1060`: an endpoint as a message, or a URL's host, writes it.
 *
 * @example
 * ```ts
 * formatEndpoint({ address: '::1', port: 1060, family: 'IPv6' }); // '[::1]:1060'
 * ```
 */
export function formatEndpoint(e: Endpoint): string {
  return e.family === 'IPv6' ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
