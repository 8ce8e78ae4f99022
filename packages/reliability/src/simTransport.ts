import {
  type Datagram,
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  type PeerLink,
  type TransportEvent,
  type TransportPlugin,
} from '@porta/core';
import { Observable, Subject } from 'rxjs';
import type { SimBindOptions, SimNetwork, SimSocket } from './simNetwork.js';

/**
 * Options of {@link simTransport}: the same bounds of the peer table as `udpTransport`'s.
 *
 * @example
 * ```ts
 * simTransport(net, { port: 1060 }, { maxPeers: 100, maxBacklogPerPeer: 16 });
 * ```
 */
export interface SimTransportOptions {
  /**
   * Most remote endpoints tracked at once (default 1024). A datagram from a new remote beyond it is
   * not delivered: it is reported as a `rejected` event and counted. A slot frees when its link closes.
   */
  readonly maxPeers?: number;
  /**
   * Datagrams kept for a new peer until its `inbound` is subscribed (the first datagram arrives
   * before the runtime can subscribe); more are rejected (counted and reported). Default 64.
   */
  readonly maxBacklogPerPeer?: number;
}

/**
 * Counters of a {@link SimTransport}, summed over its `open()` subscriptions.
 *
 * @example
 * ```ts
 * const { peersOpened, rejected } = transport.stats;
 * ```
 */
export interface SimTransportStats {
  /** Peer links open now. */
  readonly peers: number;
  /** Peer links ever created. */
  readonly peersOpened: number;
  /** Datagrams received on the transport's socket(s). */
  readonly received: number;
  /** Datagrams not delivered to any peer, each also emitted as a `rejected` event. */
  readonly rejected: number;
}

/**
 * The simulated network's {@link TransportPlugin}, with its counters.
 *
 * @example
 * ```ts
 * const transport = simTransport(net, { port: 1060 });
 * serve(transport, echo).subscribe();
 * ```
 */
export interface SimTransport extends TransportPlugin {
  readonly name: 'sim';
  readonly stats: SimTransportStats;
}

/**
 * The simulated network as a transport plugin: the same behaviours that `serve` runs over UDP run
 * here unchanged, in virtual time. As `udpTransport` does, datagrams are demultiplexed by origin:
 * the first datagram from a new remote endpoint emits a `peer` event (id `sim:<address>:<port>`),
 * and every datagram from that endpoint goes to that peer's `inbound`. A peer link is closed by
 * `link.close()` (a later datagram from the same endpoint makes a new peer) or when `open()` is
 * unsubscribed, which also unbinds the socket. A datagram cannot be refused, so `canPause` is false
 * and `pause`/`resume`/`end` do nothing.
 *
 * @throws {@link InvalidArgumentError} at call time for bounds that are not integers ≥ 1.
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
  const maxPeers = count(options.maxPeers, 1024, 'maxPeers');
  const maxBacklog = count(options.maxBacklogPerPeer, 64, 'maxBacklogPerPeer');
  const counts = { peers: 0, peersOpened: 0, received: 0, rejected: 0 };
  const open = () =>
    new Observable<TransportEvent>((subscriber) => {
      const links = new Map<string, SimPeerLink>();
      const reject = (datagram: Datagram, reason: string) => {
        counts.rejected++;
        subscriber.next({ type: 'rejected', remote: datagram.remote, reason, bytes: datagram.data.length });
      };
      const route = (socket: SimSocket, datagram: Datagram) => {
        counts.received++;
        const key = formatEndpoint(datagram.remote);
        let link = links.get(key);
        if (link === undefined) {
          if (links.size >= maxPeers) return reject(datagram, `peer table full (maxPeers ${maxPeers})`);
          const created = new SimPeerLink(socket, datagram.remote, maxBacklog, () => {
            if (links.get(key) === created) {
              links.delete(key);
              counts.peers--;
            }
          });
          link = created;
          links.set(key, created);
          counts.peers++;
          counts.peersOpened++;
          // Into the backlog first, so a runtime subscribing while handling `peer` finds it there.
          created.push(datagram);
          subscriber.next({ type: 'peer', link: created });
          return;
        }
        const undelivered = link.push(datagram);
        if (undelivered === 'backlog full') {
          reject(datagram, `${link.id} backlog full (maxBacklogPerPeer ${maxBacklog})`);
        } else if (undelivered !== undefined) {
          reject(datagram, `${link.id} is ${undelivered}`);
        }
      };
      const socketSubscription = network.bind(address).subscribe({
        next: (socket) => {
          subscriber.next({ type: 'listening', local: socket.local });
          subscriber.add(
            socket.datagrams.subscribe({
              next: (datagram) => route(socket, datagram),
              complete: () => subscriber.complete(),
            }),
          );
        },
        error: (err: unknown) => subscriber.error(err),
      });
      return () => {
        for (const link of [...links.values()]) link.close();
        socketSubscription.unsubscribe();
      };
    });
  return {
    name: 'sim',
    open,
    get stats(): SimTransportStats {
      return { ...counts };
    },
  };
}

function count(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new InvalidArgumentError(`${what} must be an integer of at least 1, got ${String(value)}`);
  }
  return v;
}

class SimPeerLink implements PeerLink {
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly inbound: Observable<Uint8Array>;
  readonly canPause = false;
  readonly #socket: SimSocket;
  readonly #subject = new Subject<Uint8Array>();
  readonly #pendingLimit: number;
  readonly #onClose: () => void;
  #pending: Uint8Array[] | undefined = [];
  #closed = false;

  constructor(socket: SimSocket, remote: Endpoint, pendingLimit: number, onClose: () => void) {
    this.#socket = socket;
    this.local = socket.local;
    this.remote = remote;
    this.id = `sim:${formatEndpoint(remote)}`;
    this.#pendingLimit = pendingLimit;
    this.#onClose = onClose;
    this.inbound = new Observable<Uint8Array>((subscriber) => {
      const pending = this.#pending;
      this.#pending = undefined;
      // Sim delivery is never synchronous, so nothing can arrive between the replay and the subscribe.
      for (const data of pending ?? []) subscriber.next(data);
      return this.#subject.subscribe(subscriber);
    });
  }

  /** Queues or delivers one datagram; says why when it had to be dropped. */
  push(datagram: Datagram): 'backlog full' | 'not reading its inbound' | undefined {
    if (this.#pending !== undefined) {
      if (this.#pending.length >= this.#pendingLimit) return 'backlog full';
      this.#pending.push(datagram.data);
      return undefined;
    }
    if (this.#closed || !this.#subject.observed) return 'not reading its inbound';
    this.#subject.next(datagram.data);
    return undefined;
  }

  send(data: Uint8Array): Observable<void> {
    return this.#socket.send(data, this.remote);
  }

  pause(): void {}
  resume(): void {}
  end(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    this.#subject.complete();
  }
}
