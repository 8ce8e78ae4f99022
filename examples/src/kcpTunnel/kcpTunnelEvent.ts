import type { Endpoint, PortaError } from '@porta/core';
import type { KcpSessionStats } from '@porta/reliability';

/**
 * What a KCP tunnel end reports.
 *
 * @example
 * ```ts
 * kcpTunnelServer(options).subscribe((e) => e.type === 'listening' && console.log(e.local));
 * ```
 */
export type KcpTunnelEvent =
  | { readonly type: 'listening'; readonly local: Endpoint }
  | {
      readonly type: 'session';
      readonly remote: Endpoint;
      readonly conv: number;
      /** The session's counters now (FEC repairs, retransmissions…), read whenever wanted. */
      readonly stats: () => KcpSessionStats;
    }
  | { readonly type: 'stream-opened'; readonly id: number }
  | { readonly type: 'stream-closed'; readonly id: number; readonly error?: PortaError }
  | { readonly type: 'session-closed'; readonly conv: number; readonly error?: PortaError };
