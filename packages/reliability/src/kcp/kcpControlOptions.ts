import type { KcpTuning } from './kcpProfile.js';
import type { KcpRtoName } from './kcpRtoPolicy.js';

/**
 * Options of a {@link KcpControl}. Defaults are kcptun's (`--mode fast`, `--mtu 1350`,
 * `--sndwnd 128`, `--rcvwnd 512`), not ikcp.c's.
 *
 * @example
 * ```ts
 * const peer = toEndpoint({ address: '127.0.0.1', port: 29900 });
 * const options: KcpControlOptions = { conv: 7, output: (p) => socket.send(p, peer).subscribe(), now: () => Date.now() };
 * ```
 */
export interface KcpControlOptions {
  readonly conv: number;
  /** Sends one packet. Called synchronously from `flush`/`input`; the packet is the caller's to keep. */
  readonly output: (packet: Uint8Array) => void;
  /** The clock, in ms. */
  readonly now: () => number;
  /** Largest packet, headers of the packet layer included. Default 1350 (kcptun's). */
  readonly mtu?: number;
  /** Bytes the packet layer puts before the segments (kcp-go's nonce + CRC32: 20). Default 0. */
  readonly reserved?: number;
  /** Send window in segments. Default 128. */
  readonly sendWindow?: number;
  /** Receive window in segments (also the bound of what is buffered). Default 512. */
  readonly receiveWindow?: number;
  /** Default `KCP_MODES.fast`. */
  readonly tuning?: KcpTuning;
  /** Default `'kcp'`. */
  readonly rto?: KcpRtoName;
  /** Stream mode (kcptun's): writes are coalesced into full segments and frg is 0. Default true. */
  readonly streamMode?: boolean;
  /** A segment sent this many times without an ACK ends the session. Default 20 (ikcp.c's). */
  readonly deadLink?: number;
  /** Send ACKs as soon as a packet arrives rather than at the next flush. Default false (kcptun's). */
  readonly ackNoDelay?: boolean;
  /** Told of every retransmission (for timelines and traces). */
  readonly onRetransmit?: (event: KcpRetransmission) => void;
}

/**
 * One retransmitted segment, as {@link KcpControlOptions.onRetransmit} reports it.
 *
 * @example
 * ```ts
 * const onRetransmit = (r: KcpRetransmission) => console.log(`sn ${r.sn} again (${r.reason}, #${r.transmission})`);
 * ```
 */
export interface KcpRetransmission {
  readonly sn: number;
  /** 2 for the first retransmission. */
  readonly transmission: number;
  readonly reason: 'timeout' | 'fast' | 'early';
  readonly rto: number;
}

/**
 * Counters of a {@link KcpControl}.
 *
 * @example
 * ```ts
 * declare const control: KcpControl;
 * console.log(`${control.stats.retransmitted} retransmitted, RTO ${control.rto} ms`);
 * ```
 */
export interface KcpControlStats {
  segmentsSent: number;
  segmentsReceived: number;
  /** Retransmissions of every kind (the three below). */
  retransmitted: number;
  timeoutRetransmits: number;
  fastRetransmits: number;
  earlyRetransmits: number;
  /** PUSH segments already received or outside the receive window. */
  duplicates: number;
  /** Segments refused for what they claim: a payload over the largest segment, an una or frg that cannot be. */
  refusedSegments: number;
  /** ACKs for a sequence number never sent. */
  strayAcks: number;
  windowProbes: number;
}
