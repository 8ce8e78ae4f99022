import { type Endpoint, formatEndpoint, type PeerLink, SocketClosedError } from '@porta/core';
import { Observable, type Subscriber } from 'rxjs';
import type { UdpSocket } from '../bindUdp.js';

/** Why a datagram for a known peer could not be delivered. */
export type UndeliveredReason = 'backlog-full' | 'not-reading';

/**
 * One remote endpoint of a UDP transport as a {@link PeerLink}: its datagrams' payloads inbound,
 * replies sent from the shared socket. UDP cannot push back, so `canPause` is false and a backlog
 * (datagrams that arrive before the runtime subscribes to `inbound`) is bounded.
 */
export class UdpPeerLink implements PeerLink {
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly canPause = false;
  readonly inbound: Observable<Uint8Array>;
  readonly #socket: UdpSocket;
  readonly #maxBacklog: number;
  readonly #onClose: (link: UdpPeerLink) => void;
  #backlog: Uint8Array[] | undefined = [];
  #subscriber: Subscriber<Uint8Array> | undefined;
  #subscribed = false;
  #closed = false;

  constructor(socket: UdpSocket, remote: Endpoint, maxBacklog: number, onClose: (link: UdpPeerLink) => void) {
    this.id = `udp:${formatEndpoint(remote)}`;
    this.local = socket.local;
    this.remote = remote;
    this.#socket = socket;
    this.#maxBacklog = maxBacklog;
    this.#onClose = onClose;
    this.inbound = new Observable<Uint8Array>((subscriber) => {
      if (this.#subscribed) {
        subscriber.error(new Error(`${this.id}: inbound may be subscribed only once`));
        return;
      }
      this.#subscribed = true;
      const backlog = this.#backlog ?? [];
      this.#backlog = undefined;
      for (const data of backlog) subscriber.next(data);
      if (this.#closed) {
        subscriber.complete();
        return;
      }
      this.#subscriber = subscriber;
      return () => {
        this.#subscriber = undefined;
      };
    });
  }

  /** Hands one payload to the peer; says why when it cannot, so the transport can report it. */
  deliver(data: Uint8Array): UndeliveredReason | undefined {
    const subscriber = this.#subscriber;
    if (subscriber !== undefined) {
      subscriber.next(data);
      return undefined;
    }
    const backlog = this.#backlog;
    if (backlog === undefined) return 'not-reading';
    if (backlog.length >= this.#maxBacklog) return 'backlog-full';
    backlog.push(data);
    return undefined;
  }

  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.#closed) subscriber.error(new SocketClosedError(`cannot send: ${this.id} is closed`));
      else return this.#socket.send(data, this.remote).subscribe(subscriber);
    });
  }

  pause(): void {}

  resume(): void {}

  end(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#backlog = undefined;
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    subscriber?.complete();
  }
}
