import {
  type Datagram,
  type Endpoint,
  formatEndpoint,
  type PeerLink,
  type TransportEvent,
  type TransportPlugin,
} from '@porta/core';
import { Observable, Subject } from 'rxjs';
import type { SimBindOptions, SimNetwork, SimSocket } from './simNetwork.js';

/** Options of {@link simTransport}. */
export interface SimTransportOptions {
  /**
   * Datagrams kept for a peer whose `inbound` nobody has subscribed to yet (the first datagram
   * arrives before the runtime can subscribe). Past this, datagrams are dropped and reported as
   * `rejected` events. Default 64.
   */
  readonly pendingLimit?: number;
}

/**
 * The simulated network as a transport plugin: the same behaviours that `serve` runs over UDP run
 * here unchanged, in virtual time. Like UDP, datagrams are demultiplexed by origin: the first
 * datagram from a new remote endpoint emits a `peer` event, and every datagram from that endpoint
 * goes to that peer's `inbound`. A peer link is closed by `link.close()` (a later datagram from the
 * same endpoint makes a new peer) or when `open()` is unsubscribed, which also unbinds the socket.
 * A datagram cannot be refused, so `canPause` is false and `pause`/`resume`/`end` do nothing.
 *
 * @example
 * ```ts
 * const net = new SimNetwork({ seed: 1, defaultLink: { lossRate: 0.1, delayMs: 50 } });
 * serve(simTransport(net, { port: 1060 }), (peer) => peer.messages).subscribe();
 * net.advanceBy(1_000);
 * ```
 */
export function simTransport(
  network: SimNetwork,
  address: SimBindOptions = {},
  options: SimTransportOptions = {},
): TransportPlugin {
  const pendingLimit = options.pendingLimit ?? 64;
  return {
    name: 'sim',
    open: () =>
      new Observable<TransportEvent>((subscriber) => {
        const links = new Map<string, SimPeerLink>();
        const socketSubscription = network.bind(address).subscribe({
          next: (socket) => {
            subscriber.next({ type: 'listening', local: socket.local });
            const inbound = socket.datagrams.subscribe({
              next: (datagram) => {
                const key = formatEndpoint(datagram.remote);
                let link = links.get(key);
                if (link === undefined) {
                  const created = new SimPeerLink(socket, datagram.remote, pendingLimit, () => {
                    if (links.get(key) === created) links.delete(key);
                  });
                  link = created;
                  links.set(key, created);
                  subscriber.next({ type: 'peer', link: created });
                }
                if (!link.push(datagram)) {
                  subscriber.next({
                    type: 'rejected',
                    remote: datagram.remote,
                    reason: `peer ${link.id} has ${pendingLimit} datagrams waiting for a subscriber`,
                    bytes: datagram.data.length,
                  });
                }
              },
              complete: () => subscriber.complete(),
            });
            subscriber.add(inbound);
          },
          error: (err: unknown) => subscriber.error(err),
        });
        return () => {
          for (const link of [...links.values()]) link.close();
          socketSubscription.unsubscribe();
        };
      }),
  };
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

  /** Queues or delivers one datagram; false when it had to be dropped. */
  push(datagram: Datagram): boolean {
    if (this.#closed) return false;
    if (this.#pending !== undefined) {
      if (this.#pending.length >= this.#pendingLimit) return false;
      this.#pending.push(datagram.data);
      return true;
    }
    this.#subject.next(datagram.data);
    return true;
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
