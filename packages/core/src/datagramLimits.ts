import type { Family } from './endpoint.js';

// The datagram size limits, once for every package: `@porta/udp` refuses a send above them
// (`DATAGRAM_TOO_LARGE`), the simulated network refuses the same sizes, and `requester` takes the
// IPv4 one as its default `maxReplyBytes`.

/**
 * Largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header).
 *
 * @example
 * ```ts
 * if (payload.length > MAX_DATAGRAM_IPV4) throw new Error('split it');
 * ```
 */
export const MAX_DATAGRAM_IPV4 = 65_507;

/**
 * Largest UDP payload over IPv6 without jumbograms: 65,535 − 8 (UDP header); the IPv6 header is
 * not counted in IPv6's payload length.
 *
 * @example
 * ```ts
 * const room = MAX_DATAGRAM_IPV6 - header.length;
 * ```
 */
export const MAX_DATAGRAM_IPV6 = 65_527;

/**
 * The largest payload one datagram can carry over `family`. Sends above it fail with
 * `DATAGRAM_TOO_LARGE` before anything reaches the OS. (An IPv6 socket sending to an IPv4-mapped
 * address sends over IPv4: the IPv4 limit applies to that destination.)
 *
 * @example
 * ```ts
 * maxDatagramSize('IPv4'); // 65507
 * ```
 */
export function maxDatagramSize(family: Family): number {
  return family === 'IPv6' ? MAX_DATAGRAM_IPV6 : MAX_DATAGRAM_IPV4;
}
