import type { Observable } from 'rxjs';
import type { Datagram, Endpoint } from './endpoint.js';

/**
 * What every datagram socket offers, whatever carries it: a real UDP socket (`@porta/udp`'s
 * `bindUdp`) or a socket on the simulated network (`@porta/reliability`). Code written against this
 * interface — a request/response client, an impairment proxy — runs unchanged on both.
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
  /** Inbound datagrams, each with its sender. Hot: datagrams arriving with no subscriber are counted as dropped. */
  readonly datagrams: Observable<Datagram>;
  /** Sends one datagram; completes once handed to the network, errors with a typed PortaError. */
  send(data: Uint8Array, to: Endpoint): Observable<void>;
}
