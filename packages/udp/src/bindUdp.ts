import type dgram from 'node:dgram';
import {
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  type Family,
  InvalidArgumentError,
  openHandle,
  reusePortSupported,
} from '@porta/core';
import { assertSignal, checkOneOf, refuseOption } from '@porta/core/transport';
import { Observable, type Observer, type Subscriber, type TeardownLogic } from 'rxjs';
import { checkHost, checkLocalPort, planBuffers, resolveFamily } from './internal/checks.js';
import { planSocket, sendNow, sendObservable } from './internal/dgram.js';
import { EndpointCache } from './internal/endpointCache.js';
import { OpenDgram, openDgram } from './internal/openDgram.js';
import { openResolved } from './internal/openResolved.js';
import type { UdpSocketOptions } from './udpSocketOptions.js';
import type { UdpStats } from './udpStats.js';

/**
 * Where a datagram goes: an {@link @porta/core!Endpoint} (e.g. a sender's, to reply) or a bare
 * `{ address, port }` whose address is an IP literal (a send never looks a name up).
 *
 * @example
 * ```ts
 * const to: UdpDestination = { address: '127.0.0.1', port: 1060 };
 * socket.send(message, to).subscribe();
 * ```
 */
export type UdpDestination = Endpoint | { readonly address: string; readonly port: number };

/**
 * Options of {@link bindUdp}.
 *
 * @example
 * ```ts
 * bindUdp({ address: '::1', port: 0, ipv6Only: true });
 * ```
 */
export interface BindUdpOptions extends UdpSocketOptions {
  /**
   * IP literal or host name to bind. Default `127.0.0.1` — loopback, as the course's server binds —
   * or `::1` when `family` is `IPv6`. Bind `0.0.0.0` / `::` to serve every interface. A host name
   * (`localhost`) is looked up once, before the socket is made (`lookup`, of `family` when given);
   * a name that does not resolve fails with `DNS_LOOKUP_FAILED` and opens nothing.
   */
  readonly address?: string;
  /** Port to bind, 0..65535. Default 0: the OS picks a free port (read it from `socket.local`). */
  readonly port?: number;
  /**
   * Socket family. Default: inferred from `address` (or from the address a host name resolved to);
   * when given, an IP literal must agree with it and a host name is resolved to this family only.
   */
  readonly family?: Family;
  /**
   * SO_REUSEPORT: several sockets (one per worker process) bind the same port and the kernel
   * spreads datagrams over them by a hash of the sender's address and port, so one peer always
   * reaches the same socket. The socket is bound by this process even in a cluster worker. Needs
   * Node ≥ 22.12 on Linux (core's `reusePortSupported()`): elsewhere `INVALID_ARGUMENT`, since
   * older Nodes ignore the option and the second bind fails. Default `false`.
   */
  readonly reusePort?: boolean;
}

/**
 * A bound UDP socket, as {@link bindUdp} emits it. Lives until the `bindUdp` subscription ends.
 *
 * @example
 * ```ts
 * bindUdp().pipe(switchMap((s) => s.datagrams.pipe(mergeMap((d) => s.send(d.data, d.remote)))));
 * ```
 */
export interface UdpSocket extends DatagramSocket, AsyncDisposable, AsyncIterable<Datagram> {
  /** The bound address (getsockname): with `port: 0`, the port the OS picked. */
  readonly local: Endpoint;
  readonly family: Family;
  /**
   * Largest payload a send accepts: 65,507 over IPv4, 65,527 over IPv6. A send from an IPv6 socket
   * to an IPv4-mapped address (`::ffff:a.b.c.d`, dual-stack) goes out over IPv4: 65,507 applies.
   */
  readonly maxDatagramSize: number;
  /**
   * RECEIVE: every datagram with its sender. Hot and multicast: each subscriber sees the datagrams
   * that arrive while it is subscribed; one arriving with no subscriber is counted in
   * `stats.dropped`. Completes when the socket closes; errors with a `SocketError` if the OS reports
   * a receive failure.
   */
  readonly datagrams: Observable<Datagram>;
  /**
   * SEND (sendto): cold, one datagram per subscription. Emits `undefined` and completes once the OS
   * accepted the datagram. Errors — before anything is sent — with `DATAGRAM_TOO_LARGE` above
   * {@link UdpSocket.maxDatagramSize}, `INVALID_ARGUMENT` for a bad destination or one of the other
   * family, `SOCKET_CLOSED` after close; later with the OS's error, typed.
   */
  send(data: Uint8Array, to: UdpDestination): Observable<void>;
  /**
   * {@link UdpSocket.send} without the Observable (what `udpTransport`'s peers reply through): sends
   * at once and tells `observer` what a subscriber to `send(data, to)` would be told — `next` and
   * `complete` once the OS accepted the datagram, or `error` with the same typed error — and counts
   * it in `stats` alike. It cannot be cancelled.
   */
  sendDirect(data: Uint8Array, to: UdpDestination, observer: Observer<void>): void;
  /** Counters (a snapshot on every read). */
  readonly stats: UdpStats;
  /** The effective SO_RCVBUF in bytes, as the OS reports it (Linux reports twice the usable size). */
  readonly recvBufferSize: number;
  /**
   * CLOSE, for a socket you hold outside a pipeline (from {@link openUdpSocket}): closes it,
   * completes `datagrams` and the `bindUdp` Observable, and resolves once the socket is closed.
   * Idempotent. `await using` calls it.
   */
  close(): Promise<void>;
  /** `await using socket = …`: {@link UdpSocket.close}. */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * `for await (const { data, remote } of socket)`: the datagrams, through a queue of 1,024 that
   * holds those arriving while the loop body runs; beyond it the newest is dropped and counted in
   * `stats.queueDropped` (UDP cannot push back). Other sizes: `toAsyncIterable(socket.datagrams,
   * { capacity })` from `@porta/core`.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Datagram>;
}

/**
 * SOCKET + BIND as an Observable: subscribing creates a UDP socket and binds it, then emits the
 * bound {@link UdpSocket} once; unsubscribing closes it (CLOSE). Bad ports (-1, 65536, 1.5, NaN) and
 * addresses fail with `INVALID_ARGUMENT` before any socket exists; a busy port with
 * `ADDRESS_IN_USE` naming it; an address not on this machine with `ADDRESS_NOT_AVAILABLE`. A host
 * name is resolved once first: `DNS_LOOKUP_FAILED` if it does not resolve, and no socket is made.
 *
 * `signal` aborts it (`ABORT_ERR`); for a promise of the socket, see {@link openUdpSocket}.
 *
 * The receive path never truncates: node:dgram reads into 64 KiB, above the largest payload
 * (65,527 bytes), and SO_RCVBUF is raised (default 1 MiB request) so maximum-size datagrams queue.
 *
 * @example
 * ```ts
 * // The course's udp_local server: answer every datagram with its length.
 * bindUdp({ port: 1060 }).pipe(
 *   switchMap((s) => s.datagrams.pipe(mergeMap((d) => s.send(encodeString(`${d.data.length} bytes`, 'ascii'), d.remote)))),
 * ).subscribe();
 * ```
 */
export function bindUdp(options: BindUdpOptions = {}): Observable<UdpSocket> {
  return new Observable<UdpSocket>((subscriber) => {
    let address: string;
    let port: number;
    let kind: Family | 'name';
    try {
      address = options.address ?? (options.family === 'IPv6' ? '::1' : '127.0.0.1');
      kind = checkHost(address, 'bind address');
      port = checkLocalPort(options.port ?? 0);
      if (options.family !== undefined) checkOneOf(options.family, 'family', ['IPv4', 'IPv6']);
      planBuffers(options);
      if (options.reusePort === true && !reusePortSupported()) {
        throw new InvalidArgumentError(
          `reusePort needs Node ≥ 22.12 on Linux (core's reusePortSupported()); this is Node ${process.versions.node} on ${process.platform}`,
        );
      }
      if (options.signal !== undefined) assertSignal(options.signal);
      if (kind !== 'name') return bindAt(subscriber, address, port, options);
    } catch (err) {
      subscriber.error(err);
      return;
    }
    return openResolved(
      subscriber,
      { address, port },
      {
        lookup: options.lookup,
        family: options.family === undefined ? undefined : options.family === 'IPv6' ? 6 : 4,
        signal: options.signal,
        what: `bindUdp ${address}:${port}`,
      },
      (resolved) => bindAt(subscriber, resolved.address, port, options),
    );
  });
}

/** SOCKET + BIND at an IP literal; throws `INVALID_ARGUMENT` for options that do not fit its family. */
function bindAt(
  subscriber: Subscriber<UdpSocket>,
  address: string,
  port: number,
  options: BindUdpOptions,
): TeardownLogic {
  const family = resolveFamily(address, options.family, 'bind address');
  if (options.ipv6Only !== undefined && family !== 'IPv6') {
    refuseOption('ipv6Only', `left unset on an IPv4 socket (${address} is IPv4)`, options.ipv6Only);
  }
  let plan = planSocket(family, options);
  // reusePort: checked against the runtime by bindUdp, before any lookup.
  if (options.reusePort === true) plan = { ...plan, reusePort: true };
  return openDgram(
    subscriber,
    plan,
    { address, port },
    undefined,
    (socket) => new BoundUdpSocket(socket, plan),
    { name: 'bindUdp', promiseForm: 'openUdpSocket', signal: options.signal },
  );
}

/**
 * The promise form of {@link bindUdp}: resolves with the bound {@link UdpSocket}, which stays open
 * until `socket.close()`, `await using` or `signal` — not until the promise settles, as with
 * `firstValueFrom(bindUdp(…))`, which unsubscribes and so closes it. Rejects with the errors
 * `bindUdp` reports (`ADDRESS_IN_USE`, `INVALID_ARGUMENT`, `ABORT_ERR`, …).
 *
 * @example
 * ```ts
 * await using socket = await openUdpSocket({ port: 0 });
 * for await (const { data, remote } of socket) {
 *   await lastValueFrom(socket.send(data, remote)); // echo
 * }
 * ```
 */
export function openUdpSocket(options: BindUdpOptions = {}): Promise<UdpSocket> {
  return openHandle(bindUdp(options), 'bindUdp');
}

class BoundUdpSocket extends OpenDgram<Datagram> implements UdpSocket {
  readonly datagrams: Observable<Datagram> = this.inbound.observable;
  readonly #endpoints = new EndpointCache();

  send(data: Uint8Array, to: UdpDestination): Observable<void> {
    // `null` (never `undefined`, which means "connected") makes a missing destination fail its check.
    return sendObservable(this, data, to ?? null);
  }

  sendDirect(data: Uint8Array, to: UdpDestination, observer: Observer<void>): void {
    sendNow(this, observer, data, to ?? null);
  }

  protected received(data: Buffer, rinfo: dgram.RemoteInfo): Datagram {
    return { data, remote: this.#endpoints.get(rinfo.address, rinfo.port, rinfo.family as Family) };
  }
}
