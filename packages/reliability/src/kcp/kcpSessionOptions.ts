import { type Endpoint, InvalidArgumentError } from '@porta/core';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { KcpControlStats } from './kcpControlOptions.js';
import { type KcpPacketLayer, kcpGoPacketLayer } from './kcpPacketLayer.js';
import { fecEnabled } from './kcpPacketPipeline.js';
import { KCP_MODES, type KcpMode, type KcpTuning, kcpMode } from './kcpProfile.js';
import type { KcpRtoName } from './kcpRtoPolicy.js';
import type { KcpSession } from './kcpSession.js';

/**
 * Options of a KCP session ({@link kcpConnect}, {@link kcpListen}, {@link kcpTransport}). The
 * defaults are kcptun's but for the packet layer, so a session talks to
 * `kcptun --crypt none --ds 0 --ps 0` as it is; kcptun's own defaults are
 * `packetLayer: kcpGoPacketLayer({ crypt: 'aes' }), dataShards: 10, parityShards: 3`.
 *
 * @example
 * ```ts
 * const options: KcpSessionOptions = { mode: 'fast3', sendWindow: 256, receiveWindow: 1024 };
 * ```
 */
export interface KcpSessionOptions {
  /** kcptun's `--mode`. Default `fast`. Ignored when `tuning` is given. */
  readonly mode?: KcpMode;
  /** The four `nodelay` numbers, for a mode kcptun does not name. */
  readonly tuning?: KcpTuning;
  /** kcptun's `--mtu`: the largest datagram, packet header included. Default 1350. */
  readonly mtu?: number;
  /** kcptun's `--sndwnd`, in segments. Default 128. */
  readonly sendWindow?: number;
  /** kcptun's `--rcvwnd`, in segments. Default 512. */
  readonly receiveWindow?: number;
  /** Retransmission-timeout policy. Default `'kcp'`. */
  readonly rto?: KcpRtoName;
  /** What wraps the segments: nonce, CRC32, cipher. Default kcp-go's with `crypt: 'none'`. */
  readonly packetLayer?: KcpPacketLayer;
  /**
   * kcptun's `--ds` and `--ps`: kcp-go's Reed–Solomon FEC, `parityShards` parity packets after
   * every `dataShards` packets, between the packet layer and KCP (see {@link kcpPacketPipeline}).
   * On when both are above 0. Default 0 and 0 (kcptun's defaults are 10 and 3).
   */
  readonly dataShards?: number;
  readonly parityShards?: number;
  /** Default true (kcptun's). */
  readonly streamMode?: boolean;
  /** Transmissions of one segment that end the session with `KCP_DEAD_LINK`. Default 20. */
  readonly deadLink?: number;
  /** Silence (nothing received) that ends the session with `KCP_DEAD_LINK`. Default 60 s. */
  readonly silenceTimeoutMs?: number;
  /** A WINS segment goes out after this long without sending anything. Default 10 s. */
  readonly keepaliveMs?: number;
  /** Default false (kcptun's `--acknodelay` default). */
  readonly ackNoDelay?: boolean;
  /** Clock and timers; the simulated network's scheduler in tests. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A snapshot of a {@link KcpSession}'s counters: the protocol's and the session's own.
 *
 * @example
 * ```ts
 * declare const session: KcpSession; // from kcpConnect or kcpListen
 * const { retransmitted, rto, malformedPackets } = session.stats;
 * ```
 */
export interface KcpSessionStats extends Readonly<KcpControlStats> {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Datagrams that failed the packet layer's check or carried a malformed segment (dropped). */
  readonly malformedPackets: number;
  /** Datagrams whose conv is not this session's (dropped). */
  readonly foreignConv: number;
  /** FEC: parity shards received, data shards rebuilt, rebuilt ones refused, groups given up. */
  readonly fecParityShards: number;
  readonly fecRecovered: number;
  readonly fecErrors: number;
  readonly fecShortGroups: number;
  readonly rto: number;
  readonly inFlight: number;
  readonly remoteWindow: number;
  /** Segments buffered on the receive side now. */
  readonly bufferedSegments: number;
}

/**
 * What a session's owner (listener or connector) gives it: how to send a datagram, and what to do
 * when it closes.
 * @internal
 */
export interface KcpSessionWire {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  transmit(datagram: Uint8Array): void;
  closed(session: KcpSession): void;
}

/**
 * {@link KcpSessionOptions} with every default filled in (`mode` turned into `tuning`).
 * @internal
 */
export type ResolvedKcpSessionOptions = Required<Omit<KcpSessionOptions, 'mode'>>;

/**
 * Resolves and checks the options every session of an endpoint shares (before any socket is used).
 * @internal
 */
export function resolveKcpOptions(options: KcpSessionOptions): ResolvedKcpSessionOptions {
  const tuning = options.tuning ?? (options.mode ? kcpMode(options.mode) : KCP_MODES.fast);
  const silenceTimeoutMs = options.silenceTimeoutMs ?? 60_000;
  const keepaliveMs = options.keepaliveMs ?? 10_000;
  const dataShards = options.dataShards ?? 0;
  const parityShards = options.parityShards ?? 0;
  fecEnabled(dataShards, parityShards);
  if (!(silenceTimeoutMs > 0) || !(keepaliveMs > 0)) {
    throw new InvalidArgumentError(
      `silenceTimeoutMs and keepaliveMs must be > 0, got ${silenceTimeoutMs} and ${keepaliveMs}`,
    );
  }
  return {
    tuning,
    mtu: options.mtu ?? 1350,
    sendWindow: options.sendWindow ?? 128,
    receiveWindow: options.receiveWindow ?? 512,
    rto: options.rto ?? 'kcp',
    packetLayer: options.packetLayer ?? kcpGoPacketLayer({ crypt: 'none' }),
    dataShards,
    parityShards,
    streamMode: options.streamMode ?? true,
    deadLink: options.deadLink ?? 20,
    silenceTimeoutMs,
    keepaliveMs,
    ackNoDelay: options.ackNoDelay ?? false,
    scheduler: options.scheduler ?? asyncScheduler,
  };
}
