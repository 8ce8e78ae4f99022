import type { Endpoint, ProxyHeader } from '@porta/core';

/**
 * The `proxyProtocol` option of `listenTcp` and `tcpTransport`: accept HAProxy's PROXY protocol
 * (v1 `send-proxy`, v2 `send-proxy-v2`) from the balancers listed in `trusted`.
 *
 * - From a trusted source the header is **required** and read before any data: the connection's
 *   `remote` is then the client it names (`via` keeps the balancer's address); a `LOCAL` header
 *   (a health check) or v1 `UNKNOWN` keeps the balancer as `remote`. A malformed, too long,
 *   truncated or slow header closes that connection, reported on `listener.rejected` with a
 *   `PROXY_PROTOCOL` error and counted in `stats.proxyErrors`; the listener goes on.
 * - From any other source a header is **never believed**. A connection whose first chunk begins
 *   with a PROXY signature is closed (its bytes are not delivered) and reported the same way; a
 *   signature split across the first segments reaches the application as plain bytes, still not
 *   believed.
 *
 * @example
 * ```ts
 * listenTcp({ port: 1060, proxyProtocol: { trusted: ['127.0.0.1', '10.0.0.0/8'] } });
 * ```
 */
export interface ProxyProtocolOptions {
  /** Addresses and CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`) allowed to send a header. */
  readonly trusted: readonly string[];
  /** How long a trusted source may take to send its whole header. Default 5 s. */
  readonly headerTimeoutMs?: number;
  /** The longest v2 header accepted (16 + its length field). Default 16 + 2048. */
  readonly maxHeaderLength?: number;
}

/**
 * What a connection relayed by a trusted balancer knows about its relay.
 *
 * @example
 * ```ts
 * if (conn.proxied) console.log(`${formatEndpoint(conn.remote)} via ${formatEndpoint(conn.proxied.via)}`);
 * ```
 */
export interface ProxiedConnection {
  /** The balancer's own address: the socket's real peer (getpeername). */
  readonly via: Endpoint;
  /** The header as decoded, TLVs included (`alpn`, `authority`, `uniqueId`, `ssl`). */
  readonly header: ProxyHeader;
}
