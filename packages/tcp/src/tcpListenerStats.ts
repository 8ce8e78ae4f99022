import type { Endpoint, PortaError } from '@porta/core';

/**
 * A connection the listener closed before any consumer saw it, and why.
 *
 * @example
 * ```ts
 * listener.rejected.subscribe((r) => console.warn(`${formatEndpoint(r.remote)}: ${r.reason}`));
 * ```
 */
export interface RejectedConnection {
  readonly remote: Endpoint;
  readonly reason: string;
  /**
   * `CONNECTION_LIMIT` when over `maxConnections`, `TLS` when the handshake failed, `TIMEOUT` when
   * it did not finish within its deadline (`handshakeTimeoutMs`, or `idleTimeoutMs` if shorter),
   * `PROXY_PROTOCOL` for a bad PROXY header, or one from a source not trusted to send it.
   */
  readonly error: PortaError;
}

/**
 * A snapshot of a listener's counters.
 *
 * @example
 * ```ts
 * const { accepted, rejected, open } = listener.stats;
 * ```
 */
export interface TcpListenerStats {
  /** Connections handed to `connections` so far. */
  readonly accepted: number;
  /** Connections closed at once (over the limit, failed TLS handshake). */
  readonly rejected: number;
  /** Connections open now (TLS: including those still in their handshake). */
  readonly open: number;
  /**
   * Connections closed over their PROXY header (`proxyProtocol` option): malformed, truncated or
   * slow from a trusted balancer, or present at all from anyone else. Also counted in `rejected`.
   */
  readonly proxyErrors: number;
}
