import { assertPort, familyOf, InvalidArgumentError } from '@porta/core';

/**
 * A host for `listenTcp` or `connectTcp` — the same rule for both, as `net` has: an IP literal or a
 * host name (resolved by the OS at LISTEN/CONNECT, a failure being `DNS_LOOKUP_FAILED`). Refused
 * before any socket: empty, whitespace, and dotted numbers that are not an IPv4 address
 * (`256.1.1.1`: a typo, never a host name, since a top-level domain is never all digits).
 */
export function assertHost(host: string): string {
  const ok =
    typeof host === 'string' &&
    host !== '' &&
    !/\s/.test(host) &&
    (familyOf(host) !== undefined || !/^[\d.]+$/.test(host));
  if (!ok) {
    throw new InvalidArgumentError(
      `host must be an IPv4 or IPv6 address or a host name, got ${JSON.stringify(host)}`,
    );
  }
  return host;
}

/** The host `listenTcp` binds: see {@link assertHost}. */
export const assertListenHost = assertHost;

/** The host `connectTcp` connects to: see {@link assertHost}. */
export const assertConnectHost = assertHost;

/** A remote port: 1..65535 (0 means "any" only when binding). */
export function assertRemotePort(port: number): number {
  assertPort(port);
  if (port === 0) throw new InvalidArgumentError('port must be an integer from 1 to 65535 to connect, got 0');
  return port;
}
