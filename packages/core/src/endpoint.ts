import { InvalidArgumentError } from './errors.js';

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

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The family of an IP literal, or `undefined` when `address` is not one (a host name, say). */
export function familyOf(address: string): Family | undefined {
  if (IPV4.test(address)) return 'IPv4';
  if (address.includes(':') && /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(address)) return 'IPv6';
  return undefined;
}

/**
 * Checks a port before any socket is made: an integer in 0..65535 (0 asks the OS for any free port).
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
 * @throws {@link InvalidArgumentError} for a port outside 0..65535 or an address that is not an IP literal.
 */
export function endpoint(address: string, port: number): Endpoint {
  const family = familyOf(address);
  if (family === undefined) {
    throw new InvalidArgumentError(`"${address}" is not an IPv4 or IPv6 address`);
  }
  return { address, port: assertPort(port), family };
}

/** True when both name the same address, port and family. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.family === b.family && a.address === b.address;
}

/** `127.0.0.1:1060` or `[::1]:1060`. */
export function formatEndpoint(e: Endpoint): string {
  return e.family === 'IPv6' ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
