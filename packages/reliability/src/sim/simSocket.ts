import {
  type Datagram,
  type DatagramSocket,
  DatagramTooLargeError,
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  maxDatagramSize,
  SocketClosedError,
} from '@porta/core';
import { Observable, Subject } from 'rxjs';
import type { SimNetwork } from './simNetwork.js';

/**
 * A socket on a {@link SimNetwork}: a {@link DatagramSocket} like a UDP one.
 *
 * @example
 * ```ts
 * net.bind().subscribe((socket) => socket.send(data, server).subscribe());
 * ```
 */
export interface SimSocket extends DatagramSocket {
  readonly network: SimNetwork;
}

/** What a socket asks of its network. */
export interface SocketHooks {
  /** `data` is the network's own copy of `original`, what the sender passed. */
  readonly transmit: (data: Uint8Array, to: Endpoint, original: Uint8Array) => void;
  readonly release: () => void;
}

/** The {@link SimSocket} a {@link SimNetwork} binds. */
export class SimSocketImpl implements SimSocket {
  readonly network: SimNetwork;
  readonly local: Endpoint;
  readonly datagrams: Observable<Datagram>;
  readonly #source: Endpoint;
  readonly #hooks: SocketHooks;
  readonly #inbound = new Subject<Datagram>();
  #closed = false;

  constructor(network: SimNetwork, local: Endpoint, source: Endpoint, hooks: SocketHooks) {
    this.network = network;
    this.local = local;
    this.#source = source;
    this.#hooks = hooks;
    this.datagrams = this.#inbound.asObservable();
  }

  send(data: Uint8Array, to: Endpoint): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.#closed) {
        subscriber.error(new SocketClosedError(`socket ${formatEndpoint(this.local)} is closed`));
        return;
      }
      if (to.family !== this.#source.family) {
        subscriber.error(
          new InvalidArgumentError(
            `cannot send from ${this.#source.family} socket ${formatEndpoint(this.local)} to ${formatEndpoint(to)}`,
          ),
        );
        return;
      }
      if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
        subscriber.error(new InvalidArgumentError(`destination port must be 1..65535, got ${to.port}`));
        return;
      }
      const limit = maxDatagramSize(to.family);
      if (data.length > limit) {
        subscriber.error(new DatagramTooLargeError(data.length, limit));
        return;
      }
      this.#hooks.transmit(Uint8Array.from(data), to, data);
      subscriber.next();
      subscriber.complete();
    });
  }

  /** Hands an arriving datagram to the subscribers; false when there are none (or it is closed). */
  receive(datagram: Datagram): boolean {
    if (this.#closed || !this.#inbound.observed) return false;
    this.#inbound.next(datagram);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hooks.release();
    this.#inbound.complete();
  }
}
