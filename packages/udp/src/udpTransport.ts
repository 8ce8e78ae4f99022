import {
  type Datagram,
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  type TransportEvent,
  type TransportPlugin,
} from '@porta/core';
import { Observable, Subscription } from 'rxjs';
import { type BindUdpOptions, bindUdp, type UdpSocket } from './bindUdp.js';
import { UdpPeerLink } from './internal/udpPeerLink.js';

/**
 * Options of {@link udpTransport}: where to bind, plus the bounds of the peer table.
 *
 * @example
 * ```ts
 * udpTransport({ port: 1060, maxPeers: 10_000 });
 * ```
 */
export interface UdpTransportOptions extends BindUdpOptions {
  /**
   * Most remote endpoints tracked at once (default 1024). A datagram from a new remote beyond it is
   * not delivered: it is reported as a `rejected` event and counted. A peer's slot frees when its
   * link is closed (e.g. the runtime retires the idle actor).
   */
  readonly maxPeers?: number;
  /**
   * Datagrams kept for a new peer until the runtime subscribes to its `inbound` (default 64); more
   * are rejected (counted and reported). After that, the runtime's mailbox is the bound.
   */
  readonly maxBacklogPerPeer?: number;
}

/**
 * Counters of a {@link UdpTransport}, summed over its `open()` subscriptions.
 *
 * @example
 * ```ts
 * const { peersOpened, rejected } = transport.stats;
 * ```
 */
export interface UdpTransportStats {
  /** Peer links open now. */
  readonly peers: number;
  /** Peer links ever created. */
  readonly peersOpened: number;
  /** Datagrams received on the transport's socket(s). */
  readonly received: number;
  /** Datagrams not delivered to any peer, each also emitted as a `rejected` event. */
  readonly rejected: number;
}

/** The UDP {@link TransportPlugin}, with its counters. */
export interface UdpTransport extends TransportPlugin {
  readonly name: 'udp';
  readonly stats: UdpTransportStats;
}

/**
 * UDP as a transport plugin for the actor runtime: `open()` binds (as {@link bindUdp}), emits
 * `listening`, then demultiplexes datagrams by remote endpoint — each new remote becomes a
 * `peer` event whose link carries that remote's payloads and replies through the shared socket.
 *
 * A UDP peer cannot be paused (`canPause: false`; `pause`/`resume`/`end` do nothing) and never
 * "ends": `close()` forgets it, and a later datagram from the same remote makes a new link.
 * Unsubscribing closes the socket and completes every link's inbound.
 *
 * @example
 * ```ts
 * serve(udpTransport({ port: 1060 }), (peer) => peer.messages).subscribe();
 * ```
 */
export function udpTransport(options: UdpTransportOptions = {}): UdpTransport {
  const maxPeers = options.maxPeers ?? 1024;
  const maxBacklog = options.maxBacklogPerPeer ?? 64;
  const counts = { peers: 0, peersOpened: 0, received: 0, rejected: 0 };

  const open = (): Observable<TransportEvent> =>
    new Observable<TransportEvent>((subscriber) => {
      try {
        checkCount(maxPeers, 'maxPeers', 1);
        checkCount(maxBacklog, 'maxBacklogPerPeer', 1);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      const table = new Map<string, UdpPeerLink>();
      const forget = (link: UdpPeerLink) => {
        if (table.get(link.id) === link) {
          table.delete(link.id);
          counts.peers--;
        }
      };
      const reject = (remote: Endpoint, reason: string, bytes: number) => {
        counts.rejected++;
        subscriber.next({ type: 'rejected', remote, reason, bytes });
      };

      const route = (socket: UdpSocket, { data, remote }: Datagram) => {
        counts.received++;
        const id = `udp:${formatEndpoint(remote)}`;
        let link = table.get(id);
        if (link === undefined) {
          if (table.size >= maxPeers) {
            reject(remote, `peer table full (maxPeers ${maxPeers})`, data.byteLength);
            return;
          }
          link = new UdpPeerLink(socket, remote, maxBacklog, forget);
          table.set(id, link);
          counts.peers++;
          counts.peersOpened++;
          // The datagram goes into the backlog first, so a runtime that subscribes to `inbound`
          // while handling the `peer` event finds it there.
          link.deliver(data);
          subscriber.next({ type: 'peer', link });
          return;
        }
        const undelivered = link.deliver(data);
        if (undelivered === 'backlog-full') {
          reject(remote, `${id} backlog full (maxBacklogPerPeer ${maxBacklog})`, data.byteLength);
        } else if (undelivered === 'not-reading') {
          reject(remote, `${id} is not reading its inbound`, data.byteLength);
        }
      };

      const subscription = new Subscription();
      subscription.add(
        bindUdp(options).subscribe({
          next: (socket) => {
            subscriber.next({ type: 'listening', local: socket.local });
            subscription.add(
              socket.datagrams.subscribe({
                next: (d) => route(socket, d),
                error: (err: unknown) => subscriber.error(err),
              }),
            );
          },
          error: (err: unknown) => subscriber.error(err),
        }),
      );
      return () => {
        for (const link of [...table.values()]) link.close();
        subscription.unsubscribe();
      };
    });

  return {
    name: 'udp',
    open,
    get stats(): UdpTransportStats {
      return { ...counts };
    },
  };
}

function checkCount(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be an integer of at least ${min}, got ${String(value)}`);
  }
}
