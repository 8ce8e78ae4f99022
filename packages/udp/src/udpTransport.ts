import {
  type DatagramTransport,
  type DatagramTransportOptions,
  type DatagramTransportStats,
  datagramTransport,
} from '@porta/core/transport';
import { type BindUdpOptions, bindUdp } from './bindUdp.js';

/**
 * Options of {@link udpTransport}: where to bind (as {@link bindUdp}), plus the bounds of the peer
 * table (`maxPeers`, default 1024; `whenFull`, default `evict` — the least recently active peer
 * makes room for a newcomer; `maxBacklogPerPeer`, default 64; see core's `DatagramTransportOptions`).
 *
 * @example
 * ```ts
 * udpTransport({ port: 1060, maxPeers: 10_000 });
 * ```
 */
export interface UdpTransportOptions extends BindUdpOptions, DatagramTransportOptions {}

/**
 * Counters of a {@link UdpTransport}, summed over its `open()` subscriptions: `peers`,
 * `peersOpened`, `received`, `rejected`, `evicted`.
 *
 * @example
 * ```ts
 * const transport = udpTransport({ port: 0 });
 * serve(transport, (peer) => peer.messages).subscribe();
 * const { peersOpened, rejected } = transport.stats;
 * ```
 */
export type UdpTransportStats = DatagramTransportStats;

/**
 * The UDP `TransportPlugin`, with its counters.
 *
 * @example
 * ```ts
 * const transport: UdpTransport = udpTransport({ port: 0 });
 * ```
 */
export type UdpTransport = DatagramTransport<'udp'>;

/**
 * UDP as a transport plugin for the actor runtime: core's `datagramTransport` over
 * {@link bindUdp}. `open()` binds, emits `listening`, then demultiplexes datagrams by remote
 * endpoint — each new remote becomes a `peer` event (id `udp:127.0.0.1:50312`, `udp:[::1]:40000`)
 * whose link carries that remote's payloads and replies through the shared socket.
 *
 * A UDP peer cannot be paused (its link has no `pause`/`resume`; `end` does nothing) and never
 * "ends": `close()` forgets it, and a later datagram from the same remote makes a new link.
 * Unsubscribing closes the socket and completes every link's inbound.
 *
 * @throws `InvalidArgumentError` (`INVALID_ARGUMENT`) at call time for `maxPeers` / `maxBacklogPerPeer` that are
 * not integers ≥ 1 (bind options are checked by `open()`, as {@link bindUdp} does).
 *
 * @example
 * ```ts
 * serve(udpTransport({ port: 1060 }), (peer) => peer.messages).subscribe();
 * ```
 */
export function udpTransport(options: UdpTransportOptions = {}): UdpTransport {
  return datagramTransport('udp', bindUdp(options), options);
}
