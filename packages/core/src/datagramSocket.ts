import type { Observable, Observer } from 'rxjs';
import type { Datagram, Endpoint } from './endpoint.js';

/**
 * What every datagram socket offers, whatever carries it: a real UDP socket (`@porta/udp`'s
 * `bindUdp`, or `connectUdp`'s socket tied to one remote) or a socket on the simulated network
 * (`@porta/reliability`). Code written against this interface — a request/response client, an
 * impairment proxy — runs unchanged on all of them.
 *
 * @example
 * ```ts
 * function echo(socket: DatagramSocket) {
 *   return socket.datagrams.pipe(mergeMap((d) => socket.send(d.data, d.remote)));
 * }
 * ```
 */
export interface DatagramSocket {
  /** This socket's own address (getsockname). */
  readonly local: Endpoint;
  /**
   * Set on a connected socket (CONNECT, as `connectUdp` makes): the one endpoint it sends to and
   * hears from. `send` to any other endpoint fails with `INVALID_ARGUMENT`, and every inbound
   * datagram's `remote` is this one. Absent on a socket that talks to anyone.
   */
  readonly remote?: Endpoint;
  /** Inbound datagrams, each with its sender. Hot: datagrams arriving with no subscriber are counted as dropped. */
  readonly datagrams: Observable<Datagram>;
  /** Sends one datagram; completes once handed to the network, errors with a typed PortaError. */
  send(data: Uint8Array, to: Endpoint): Observable<void>;
  /**
   * {@link DatagramSocket.send} without the Observable — optional, for a server's per-datagram
   * replies (`datagramTransport` uses it where the socket has it): sends at once and tells
   * `observer` what a subscriber to `send(data, to)` would be told, with the same typed errors and
   * counters. It cannot be cancelled.
   */
  sendDirect?(data: Uint8Array, to: Endpoint, observer: Observer<void>): void;
}
