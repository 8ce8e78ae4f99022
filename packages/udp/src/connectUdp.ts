import {
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  type Family,
  formatEndpoint,
  InvalidArgumentError,
  isPortaError,
  MAX_DATAGRAM_IPV4,
  maxDatagramSize,
  openHandle,
  type PortaError,
  sameOrigin,
  toEndpoint,
} from '@porta/core';
import { assertSignal, checkOneOf } from '@porta/core/transport';
import { map, Observable, type Subscriber, type TeardownLogic, throwError } from 'rxjs';
import type { UdpDestination } from './bindUdp.js';
import {
  checkHost,
  checkLocalPort,
  checkRemotePort,
  isIPv4Mapped,
  planBuffers,
  resolveFamily,
} from './internal/checks.js';
import { planSocket, remoteEndpoint, sendObservable } from './internal/dgram.js';
import { OpenDgram, openDgram } from './internal/openDgram.js';
import { openResolved } from './internal/openResolved.js';
import type { UdpSocketOptions } from './udpSocketOptions.js';
import type { UdpStats } from './udpStats.js';

/**
 * Options of {@link connectUdp}.
 *
 * @example
 * ```ts
 * connectUdp({ address: '127.0.0.1', port: 1060 }, { localAddress: '127.0.0.1' });
 * ```
 */
export interface ConnectUdpOptions extends UdpSocketOptions {
  /**
   * IP literal to bind before connecting. Default: the wildcard of the remote's family, so the
   * kernel picks the source address by route at CONNECT (read it from `socket.local`).
   */
  readonly localAddress?: string;
  /** Local port, 0..65535. Default 0 (any free port). */
  readonly localPort?: number;
  /**
   * The remote's IP family, as `connectTcp`'s option: a host name is resolved to this family only,
   * and an IP literal must be of it. Default: the family of the literal, or of the address the
   * name resolved to (of `localAddress`'s family when that is given).
   */
  readonly family?: 4 | 6;
}

/**
 * A UDP socket tied to one remote endpoint, as {@link connectUdp} emits it. The kernel drops every
 * datagram from any other origin, so `messages` only ever carries the remote's replies.
 *
 * It is a `DatagramSocket` with a `remote`, so whatever takes one takes it: `requester(socket)`
 * sends each `request(payload)` to the remote, retries and checks replies as on any socket.
 *
 * @example
 * ```ts
 * connectUdp(server).pipe(
 *   switchMap((s) => merge(s.messages, s.send(request).pipe(ignoreElements()))),
 *   take(1),
 * );
 * ```
 */
export interface ConnectedUdpSocket extends DatagramSocket, AsyncDisposable, AsyncIterable<Uint8Array> {
  /** The local address (getsockname), concrete after CONNECT even when bound to the wildcard. */
  readonly local: Endpoint;
  /** The connected remote (getpeername). */
  readonly remote: Endpoint;
  readonly family: Family;
  /**
   * Largest payload a send accepts: 65,507 over IPv4, 65,527 over IPv6 — and 65,507 on an IPv6
   * socket connected to an IPv4-mapped address (`::ffff:a.b.c.d`), which the OS sends over IPv4.
   */
  readonly maxDatagramSize: number;
  /**
   * RECEIVE: payloads from the remote. Hot and multicast; a datagram arriving with no subscriber is
   * counted in `stats.dropped`. Errors with `PORT_UNREACHABLE` when the OS reports ICMP port
   * unreachable (nothing listens at the remote) — terminal, as an Observable error is: to try again,
   * resubscribe to {@link connectUdp}. Completes when the socket closes.
   */
  readonly messages: Observable<Uint8Array>;
  /**
   * `messages` as the `DatagramSocket` contract has them: each payload with its sender, always
   * `remote` (the same object). Shares `messages`' stream, drops and `PORT_UNREACHABLE`.
   */
  readonly datagrams: Observable<Datagram>;
  /**
   * SEND: cold, one datagram per subscription; emits `undefined` and completes once the OS accepted
   * it. `DATAGRAM_TOO_LARGE` before sending above {@link ConnectedUdpSocket.maxDatagramSize};
   * `PORT_UNREACHABLE` if the OS reports an earlier ICMP error on this send (then `messages` fails
   * too). `to` may be omitted; given (as generic `DatagramSocket` code does), it must be the remote
   * (compared as core's `sameOrigin` does), else the send fails with `INVALID_ARGUMENT`.
   */
  send(data: Uint8Array, to?: UdpDestination): Observable<void>;
  /** Counters (a snapshot on every read). */
  readonly stats: UdpStats;
  /** The effective SO_RCVBUF in bytes, as the OS reports it (Linux reports twice the usable size). */
  readonly recvBufferSize: number;
  /**
   * CLOSE, for a socket held outside a pipeline (from {@link openConnectedUdpSocket}): closes it,
   * completes `messages` and the `connectUdp` Observable, resolves once closed. Idempotent.
   */
  close(): Promise<void>;
  /** `await using socket = …`: {@link ConnectedUdpSocket.close}. */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * `for await (const payload of socket)`: the remote's replies (payloads, as `messages`), through a
   * queue of 1,024; beyond it the newest is dropped and counted in `stats.queueDropped`. The loop
   * throws `PORT_UNREACHABLE` when nothing listens at the remote.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array>;
}

/**
 * SOCKET + BIND + CONNECT as an Observable: emits one {@link ConnectedUdpSocket} once connected;
 * unsubscribing closes it. CONNECT on UDP sends nothing: it fixes the destination and makes the
 * kernel discard datagrams from other origins — the course's remedy for the promiscuous client.
 * The remote is an IP literal or a host name, with a port from 1 to 65535, else `INVALID_ARGUMENT`
 * before any socket exists. A host name (`localhost`) is looked up once, before the socket is made
 * (`lookup`, of `family` when given), and the socket stays connected to that address; a name that
 * does not resolve fails with `DNS_LOOKUP_FAILED` and opens nothing. `signal` aborts it, during the
 * lookup too (`ABORT_ERR`); for a promise of the socket, see {@link openConnectedUdpSocket}.
 *
 * @example
 * ```ts
 * const reply = await firstValueFrom(
 *   connectUdp({ address: '127.0.0.1', port: 1060 }).pipe(
 *     // Subscribe to messages before sending, so even an instant reply is heard.
 *     switchMap((s) => merge(s.messages, s.send(encodeString('hello', 'ascii')).pipe(ignoreElements()))),
 *   ),
 * );
 * ```
 */
export function connectUdp(
  remote: UdpDestination,
  options: ConnectUdpOptions = {},
): Observable<ConnectedUdpSocket> {
  return new Observable<ConnectedUdpSocket>((subscriber) => {
    let to: { readonly address: string; readonly port: number };
    let localFamily: Family | undefined;
    let kind: Family | 'name';
    try {
      kind = checkHost(remote?.address, 'remote address');
      to = { address: remote.address, port: checkRemotePort(remote.port) };
      const { family } = options;
      if (family !== undefined) checkOneOf(family, 'family', [4, 6]);
      if (options.localAddress !== undefined) {
        localFamily = resolveFamily(options.localAddress, familyName(family), 'local address');
      }
      checkLocalPort(options.localPort ?? 0, 'local port');
      planBuffers(options);
      if (options.signal !== undefined) assertSignal(options.signal);
      if (kind !== 'name') return connectTo(subscriber, to, options);
    } catch (err) {
      subscriber.error(err);
      return;
    }
    // A literal local address fixes the family the name must resolve to.
    const family = options.family ?? (localFamily === undefined ? undefined : localFamily === 'IPv6' ? 6 : 4);
    return openResolved(
      subscriber,
      to,
      { lookup: options.lookup, family, signal: options.signal, what: `connectUdp ${to.address}:${to.port}` },
      (resolved) => connectTo(subscriber, resolved, options),
    );
  });
}

/** SOCKET + BIND + CONNECT to an IP literal; throws `INVALID_ARGUMENT` for options that do not fit it. */
function connectTo(
  subscriber: Subscriber<ConnectedUdpSocket>,
  to: { readonly address: string; readonly port: number },
  options: ConnectUdpOptions,
): TeardownLogic {
  const family = resolveFamily(to.address, familyName(options.family), 'remote address');
  const localAddress = options.localAddress ?? (family === 'IPv6' ? '::' : '0.0.0.0');
  resolveFamily(localAddress, family, 'local address');
  const local = { address: localAddress, port: checkLocalPort(options.localPort ?? 0, 'local port') };
  const plan = planSocket(family, options);
  return openDgram(subscriber, plan, local, to, (socket) => new ConnectedSocket(socket, plan), {
    name: 'connectUdp',
    promiseForm: 'openConnectedUdpSocket',
    signal: options.signal,
  });
}

function familyName(family: 4 | 6 | undefined): Family | undefined {
  return family === undefined ? undefined : family === 6 ? 'IPv6' : 'IPv4';
}

/**
 * The promise form of {@link connectUdp}: resolves with the {@link ConnectedUdpSocket}, open until
 * `socket.close()`, `await using` or `signal`. Rejects with the errors `connectUdp` reports.
 *
 * @example
 * ```ts
 * await using socket = await openConnectedUdpSocket({ address: '127.0.0.1', port: 1060 });
 * const replies = socket[Symbol.asyncIterator](); // listening before sending: no reply is missed
 * await lastValueFrom(socket.send(new TextEncoder().encode('hello')));
 * const { value: reply } = await replies.next();
 * ```
 */
export function openConnectedUdpSocket(
  remote: UdpDestination,
  options: ConnectUdpOptions = {},
): Promise<ConnectedUdpSocket> {
  return openHandle(connectUdp(remote, options), 'connectUdp');
}

class ConnectedSocket extends OpenDgram<Uint8Array> implements ConnectedUdpSocket {
  override readonly remote: Endpoint = remoteEndpoint(this.socket);
  // Connected to an IPv4-mapped address, a dual-stack IPv6 socket sends IPv4 datagrams.
  override readonly maxDatagramSize: number = isIPv4Mapped(this.remote.address)
    ? MAX_DATAGRAM_IPV4
    : maxDatagramSize(this.family);
  readonly messages: Observable<Uint8Array> = this.inbound.observable;
  readonly datagrams: Observable<Datagram> = this.inbound.observable.pipe(
    map((data): Datagram => ({ data, remote: this.remote })),
  );

  send(data: Uint8Array, to?: UdpDestination): Observable<void> {
    if (to === undefined || to === this.remote) return sendObservable(this, data);
    return this.#isRemote(to)
      ? sendObservable(this, data)
      : throwError(
          () =>
            new InvalidArgumentError(
              `this UDP socket is connected to ${formatEndpoint(this.remote)}: it cannot send to ` +
                `${describe(to)} (bindUdp's socket sends anywhere)`,
            ),
        );
  }

  #isRemote(to: UdpDestination): boolean {
    try {
      return sameOrigin(this.remote, toEndpoint(to));
    } catch {
      return false; // not an address at all: not the remote
    }
  }

  onSendError(error: PortaError): void {
    // The ICMP error was reported to this send instead of the receive path: fail `messages` too, so
    // a caller waiting for a reply is not left waiting in silence.
    if (isPortaError(error, 'PORT_UNREACHABLE')) this.fail(error);
  }

  protected received(data: Buffer): Uint8Array {
    return data;
  }
}

function describe(to: UdpDestination): string {
  try {
    return formatEndpoint(toEndpoint(to));
  } catch {
    return JSON.stringify(to) ?? String(to);
  }
}
