import {
  type DatagramTransport,
  type DatagramTransportOptions,
  type DatagramTransportStats,
  datagramTransport,
} from '@porta/core/transport';
import type { SimNetwork } from './simNetwork.js';
import type { SimBindOptions } from './simNetworkOptions.js';

/**
 * Options of {@link simTransport}: the same bounds of the peer table as `udpTransport`'s
 * (`maxPeers`, default 1024; `maxBacklogPerPeer`, default 64; see core's `DatagramTransportOptions`).
 *
 * @example
 * ```ts
 * simTransport(net, { port: 1060 }, { maxPeers: 100, maxBacklogPerPeer: 16 });
 * ```
 */
export type SimTransportOptions = DatagramTransportOptions;

/**
 * Counters of a {@link SimTransport}, summed over its `open()` subscriptions: `peers`,
 * `peersOpened`, `received`, `rejected`.
 *
 * @example
 * ```ts
 * const transport = simTransport(net, { port: 1060 });
 * serve(transport, (peer) => peer.messages, { scheduler: net.scheduler }).subscribe();
 * net.advanceBy(1_000);
 * const { peersOpened, rejected } = transport.stats;
 * ```
 */
export type SimTransportStats = DatagramTransportStats;

/**
 * The simulated network's `TransportPlugin`, with its counters.
 *
 * @example
 * ```ts
 * const transport = simTransport(net, { port: 1060 });
 * serve(transport, echo).subscribe();
 * ```
 */
export type SimTransport = DatagramTransport<'sim'>;

/**
 * The simulated network as a transport plugin: core's `datagramTransport` over
 * {@link SimNetwork.bind}, exactly what `udpTransport` is over a real UDP socket, so the behaviours
 * that `serve` runs over UDP run here unchanged, in virtual time. The first datagram from a new
 * remote endpoint emits a `peer` event (id `sim:<address>:<port>`), and every datagram from that
 * endpoint goes to that peer's `inbound`. A peer link is closed by `link.close()` (a later datagram
 * from the same endpoint makes a new peer) or when `open()` is unsubscribed, which also unbinds the
 * socket. A datagram cannot be refused, so a link has no `pause`/`resume` and `end` does nothing.
 *
 * @throws `InvalidArgumentError` (`INVALID_ARGUMENT`) at call time for bounds that are not integers ≥ 1.
 *
 * @example
 * ```ts
 * const net = new SimNetwork({ seed: 1, defaultLink: { lossRate: 0.1, delayMs: 50 } });
 * serve(simTransport(net, { port: 1060 }), (peer) => peer.messages, { scheduler: net.scheduler }).subscribe();
 * net.advanceBy(1_000);
 * ```
 */
export function simTransport(
  network: SimNetwork,
  address: SimBindOptions = {},
  options: SimTransportOptions = {},
): SimTransport {
  return datagramTransport('sim', network.bind(address), options);
}
