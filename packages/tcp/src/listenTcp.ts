import net from 'node:net';
import tls, { type TlsOptions } from 'node:tls';
import {
  addressMatcher,
  assertPort,
  InvalidArgumentError,
  openHandle,
  type PacketCapture,
  proxyHeaderDecoder,
  reusePortSupported,
} from '@porta/core';
import { abortErrorOf, assertSignal, checkDurationMs, checkPositiveInteger } from '@porta/core/transport';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import type { ProxyProtocolSetup } from './internal/listenerSetup.js';
import { toPortaError } from './internal/systemError.js';
import { assertListenHost } from './internal/validate.js';
import type { ProxyProtocolOptions } from './proxyProtocolOptions.js';
import { TcpListener } from './tcpListener.js';

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * Options of {@link listenTcp}.
 *
 * @example
 * ```ts
 * const options: ListenTcpOptions = { host: '::1', port: 0, maxConnections: 100, idleTimeoutMs: 60_000 };
 * ```
 */
export interface ListenTcpOptions {
  /**
   * IP literal or host name to listen on, as for `connectTcp` (a name is resolved by the OS and the
   * first address is used, as `server.listen` does; `DNS_LOOKUP_FAILED` if it does not resolve).
   * Default `127.0.0.1` (loopback only, as the course's examples).
   */
  readonly host?: string;
  /** Port; 0 (the default) lets the OS pick a free one — read it from `listener.local.port`. */
  readonly port?: number;
  /** Length of the kernel's queue of connections not yet accepted. Default 511. */
  readonly backlog?: number;
  /** With `host: '::'`, accept IPv6 only (no IPv4-mapped peers). Default false. */
  readonly ipv6Only?: boolean;
  /**
   * SO_REUSEPORT: several listeners (one per worker process) share the port and the kernel spreads
   * incoming connections over them. The socket is this process's own even in a cluster worker (no
   * round robin through the primary). Needs Node ≥ 22.12 on Linux (core's `reusePortSupported()`):
   * elsewhere `INVALID_ARGUMENT`, since older Nodes ignore it and the second listen fails. Default false.
   */
  readonly reusePort?: boolean;
  /** Listen with TLS (node:tls) instead of plain TCP; same API otherwise. Needs `key` and `cert`. */
  readonly tls?: TlsOptions;
  /**
   * Connections open at once. Connection N+1 is closed as soon as it is accepted and reported on
   * `listener.rejected` (`CONNECTION_LIMIT`); its slot is free again once a connection closes.
   * TLS connections count from the TCP accept, handshake included. Default unlimited.
   */
  readonly maxConnections?: number;
  /** Close a connection with `TIMEOUT` after this long without traffic. Default none. */
  readonly idleTimeoutMs?: number;
  /**
   * TLS: a handshake not finished this long after the TCP accept is cut off — the socket destroyed,
   * its `maxConnections` slot freed, a `rejected` event with `TIMEOUT`. `idleTimeoutMs`, when
   * shorter, is the deadline instead (a handshake in progress is not traffic). Default 5 000 ms.
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Of each accepted connection: see `TcpConnectionOptions.maxPendingWriteBytes`. Default 64 MiB.
   */
  readonly maxPendingWriteBytes?: number;
  /** Of each accepted connection: see `TcpConnectionOptions.maxWriteBatchBytes`. Default 64 KiB. */
  readonly maxWriteBatchBytes?: number;
  /** Disable Nagle's algorithm on accepted connections. Default false (as the OS). */
  readonly noDelay?: boolean;
  /** Clock for the idle timeout and the shutdown grace period. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Accept HAProxy's PROXY protocol (v1 and v2) from these trusted balancers: the connection's
   * `remote` is the client they relay. See {@link ProxyProtocolOptions}. With `tls` too, the header
   * is read in clear before the TLS handshake (as HAProxy's `send-proxy` to an `ssl` server sends
   * it), and `handshakeTimeoutMs` bounds header and handshake together, from the TCP accept.
   */
  readonly proxyProtocol?: ProxyProtocolOptions;
  /** Record every accepted connection in a pcapng capture (core's `PacketCapture`). Default none. */
  readonly capture?: PacketCapture;
  /**
   * Aborting it closes the listener and every connection it accepted (the hard close), and the
   * Observable errors with `AbortError` (`ABORT_ERR`); already aborted, no socket is opened.
   */
  readonly signal?: AbortSignal;
}

const DEFAULT_PROXY_HEADER_TIMEOUT = 5_000;

function proxySetup(options: ProxyProtocolOptions): ProxyProtocolSetup {
  if (!Array.isArray(options.trusted)) {
    throw new InvalidArgumentError('proxyProtocol.trusted must be a list of addresses or CIDR ranges');
  }
  const timeoutMs = options.headerTimeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT;
  checkDurationMs(timeoutMs, 'proxyProtocol.headerTimeoutMs');
  if (options.maxHeaderLength !== undefined) proxyHeaderDecoder({ maxHeaderLength: options.maxHeaderLength });
  return {
    isTrusted: addressMatcher(options.trusted),
    timeoutMs,
    ...(options.maxHeaderLength === undefined ? {} : { maxHeaderLength: options.maxHeaderLength }),
  };
}

/**
 * Listens for TCP (or TLS) connections: SOCKET + BIND + LISTEN on subscribe, then emits one
 * {@link TcpListener} whose `connections` stream is ACCEPT. Unsubscribing closes the listening
 * socket and every connection it accepted; after `listener.shutdown()` finishes it completes.
 *
 * Errors (before any connection): `INVALID_ARGUMENT` for a bad port or host (before any socket is
 * made), `DNS_LOOKUP_FAILED`, `ADDRESS_IN_USE` naming the port, `ADDRESS_NOT_AVAILABLE`, `ABORT_ERR`
 * (`signal`), `SOCKET`. For a promise of the listener, see {@link openTcpListener}.
 *
 * @example
 * ```ts
 * listenTcp({ port: 0 })
 *   .pipe(
 *     switchMap((listener) => listener.connections),
 *     mergeMap((conn) => conn.bytes.pipe(lines(), concatMap((line) => conn.send(line)))),
 *   )
 *   .subscribe();
 * ```
 */
export function listenTcp(options: ListenTcpOptions = {}): Observable<TcpListener> {
  return new Observable<TcpListener>((subscriber) => {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    const signal = options.signal;
    let maxConnections: number;
    let proxy: ProxyProtocolSetup | undefined;
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    try {
      if (signal !== undefined) assertSignal(signal);
      if (options.proxyProtocol !== undefined) proxy = proxySetup(options.proxyProtocol);
      assertListenHost(host);
      assertPort(port);
      if (options.reusePort === true && !reusePortSupported()) {
        throw new InvalidArgumentError(
          `reusePort needs Node ≥ 22.12 on Linux (core's reusePortSupported()); this is Node ${process.versions.node} on ${process.platform}`,
        );
      }
      if (options.backlog !== undefined) checkPositiveInteger(options.backlog, 'backlog');
      maxConnections = checkPositiveInteger(
        options.maxConnections ?? Number.POSITIVE_INFINITY,
        'maxConnections',
        { infinity: true },
      );
      if (options.idleTimeoutMs !== undefined) checkDurationMs(options.idleTimeoutMs, 'idleTimeoutMs');
      checkDurationMs(handshakeTimeoutMs, 'handshakeTimeoutMs');
      if (options.maxPendingWriteBytes !== undefined) {
        checkPositiveInteger(options.maxPendingWriteBytes, 'maxPendingWriteBytes');
      }
      if (options.maxWriteBatchBytes !== undefined)
        checkPositiveInteger(options.maxWriteBatchBytes, 'maxWriteBatchBytes');
    } catch (err) {
      subscriber.error(err);
      return;
    }
    const scheduler = options.scheduler ?? asyncScheduler;
    const what = `listening on ${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (signal?.aborted) {
      subscriber.error(abortErrorOf(signal, what));
      return;
    }
    // TLS: not half-open during the handshake, or a client that hangs up mid-handshake (one refusing
    // the certificate) would hold its socket, and a maxConnections slot, until Node's 120 s
    // handshake timeout. The listener makes each connection half-open once its handshake is done.
    const serverOptions = { allowHalfOpen: options.tls === undefined, noDelay: options.noDelay ?? false };
    // PROXY with TLS: the header comes in clear before the ClientHello, so the listening socket is
    // plain TCP and a TLS server that never listens handshakes each socket once its header is read.
    const proxyBeforeTls = options.tls !== undefined && proxy !== undefined;
    const tlsServer = options.tls ? tls.createServer({ ...options.tls, ...serverOptions }) : undefined;
    const server = tlsServer === undefined || proxyBeforeTls ? net.createServer(serverOptions) : tlsServer;
    let listener: TcpListener | undefined;

    server.on('error', (err) => subscriber.error(toPortaError(err, host, port, 'listening socket')));
    const reusePort = options.reusePort === true;
    server.listen(
      {
        host,
        port,
        backlog: options.backlog ?? 511,
        ipv6Only: options.ipv6Only ?? false,
        // @types/node 20 lacks `reusePort` (Node ≥ 22.12); checked above. Exclusive, or a cluster
        // worker's listen would be made by the primary and shared round robin.
        ...(reusePort ? { reusePort, exclusive: true } : {}),
      },
      () => {
        listener = new TcpListener({
          server,
          tls: options.tls !== undefined,
          maxConnections,
          handshakeTimeoutMs: Math.min(handshakeTimeoutMs, options.idleTimeoutMs ?? Number.POSITIVE_INFINITY),
          scheduler,
          ...(proxy === undefined ? {} : { proxy }),
          ...(proxyBeforeTls && tlsServer !== undefined ? { tlsServer } : {}),
          connection: {
            scheduler,
            ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
            ...(options.capture === undefined ? {} : { capture: options.capture }),
            ...(options.maxPendingWriteBytes === undefined
              ? {}
              : { maxPendingWriteBytes: options.maxPendingWriteBytes }),
            ...(options.maxWriteBatchBytes === undefined
              ? {}
              : { maxWriteBatchBytes: options.maxWriteBatchBytes }),
          },
          onFinished: () => subscriber.complete(),
        });
        subscriber.next(listener);
      },
    );

    const onAbort = () => signal && subscriber.error(abortErrorOf(signal, what));
    signal?.addEventListener('abort', onAbort, { once: true });

    return () => {
      signal?.removeEventListener('abort', onAbort);
      if (listener) listener.destroy();
      else server.close();
    };
  });
}

/**
 * The promise form of {@link listenTcp}: resolves with the {@link TcpListener} once it listens; the
 * listener stays open until `listener.close()`, `await using`, `shutdown()` or `signal`. Rejects with
 * the errors `listenTcp` reports before listening (`ADDRESS_IN_USE`, `INVALID_ARGUMENT`, …).
 *
 * @example
 * ```ts
 * await using listener = await openTcpListener({ port: 0 });
 * console.log('listening on', listener.local.port);
 * for await (const conn of listener) {
 *   for await (const chunk of conn) await lastValueFrom(conn.send(chunk)); // echo, one client at a time
 * }
 * ```
 */
export function openTcpListener(options: ListenTcpOptions = {}): Promise<TcpListener> {
  return openHandle(listenTcp(options), 'listenTcp');
}
