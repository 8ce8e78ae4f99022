import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { openHandle, type PacketCapture, portaChannels, TimeoutError } from '@porta/core';
import { abortErrorOf, assertSignal, checkDurationMs, checkPositiveInteger } from '@porta/core/transport';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { markOwnerEnded } from './internal/closeReason.js';
import { toPortaError } from './internal/systemError.js';
import { assertConnectHost, assertRemotePort } from './internal/validate.js';
import { TcpConnection } from './tcpConnection.js';

/**
 * Options of {@link connectTcp}.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const ca = readFileSync('ca.pem');
 * const options: ConnectTcpOptions = { host: '127.0.0.1', port: 1060, timeoutMs: 2_000, tls: { ca } };
 * ```
 */
export interface ConnectTcpOptions {
  /** Address or host name of the server. */
  readonly host: string;
  /** Its port, 1..65535. */
  readonly port: number;
  /** Fail with `TIMEOUT` if the connection (and TLS handshake) is not made within this long. */
  readonly timeoutMs?: number;
  /** Connect with TLS (node:tls): `ca`, `servername`, client `key`/`cert`, … Same API otherwise. */
  readonly tls?: ConnectionOptions;
  /** Local address to bind before connecting (BIND). Default: chosen by the OS. */
  readonly localAddress?: string;
  /** Local port to bind before connecting. Default: chosen by the OS. */
  readonly localPort?: number;
  /** Resolve `host` to this IP family only. */
  readonly family?: 4 | 6;
  /** Disable Nagle's algorithm. Default false. */
  readonly noDelay?: boolean;
  /** Close the connection with `TIMEOUT` after this long without traffic. Default none. */
  readonly idleTimeoutMs?: number;
  /** See `TcpConnectionOptions.maxPendingWriteBytes`. Default 64 MiB. */
  readonly maxPendingWriteBytes?: number;
  /** See `TcpConnectionOptions.maxWriteBatchBytes`. Default 64 KiB. */
  readonly maxWriteBatchBytes?: number;
  /** Clock for `timeoutMs` and `idleTimeoutMs`. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Record the connection in a pcapng capture (core's `PacketCapture`). Default none. */
  readonly capture?: PacketCapture;
  /**
   * Aborting it ends the connection, as `net.connect({ signal })` does: before CONNECT the socket
   * is never opened (already aborted) or is destroyed mid-connect; once connected, the connection
   * fails (its `bytes` error) and the Observable errors, both with `AbortError` (`ABORT_ERR`).
   */
  readonly signal?: AbortSignal;
}

/**
 * A TCP remote in the shape every porta API takes: an address (IP literal or host name) and a port.
 * An {@link @porta/core!Endpoint} from elsewhere (a listener's `local`, a datagram's `remote`) fits as it is.
 *
 * @example
 * ```ts
 * const server: TcpRemote = { address: '::1', port: 1060 };
 * connectTcp(server, { timeoutMs: 2_000 });
 * ```
 */
export interface TcpRemote {
  /** IP literal or host name of the server. */
  readonly address: string;
  /** Its port, 1..65535. */
  readonly port: number;
}

/**
 * Connects to a TCP (or TLS) server: SOCKET + CONNECT on subscribe, then emits the
 * {@link TcpConnection} once connected (after the handshake for TLS). The Observable stays open
 * while the connection is: it completes when the socket closes, and unsubscribing closes the
 * socket — also in the middle of connecting.
 *
 * The remote is given either inside the options (`{ host, port, … }`, as `net.connect`) or, as for
 * `connectUdp`, as a first argument `{ address, port }` (any {@link @porta/core!Endpoint} fits) with the options
 * second.
 *
 * Errors: `INVALID_ARGUMENT` (before any socket), `DNS_LOOKUP_FAILED` naming a host name that did
 * not resolve, `CONNECTION_REFUSED` naming the address, `TIMEOUT`, `ABORT_ERR` (`signal`), `TLS`,
 * `SOCKET`. Errors after the connection is made surface on its `bytes` and sends.
 *
 * Unsubscribing closes the connection, so `await firstValueFrom(connectTcp(…))` hands back a
 * connection that is already closing (a send then fails with `SOCKET_CLOSED` saying so): for a
 * promise, use {@link openTcpConnection}.
 *
 * @example
 * ```ts
 * connectTcp({ host: '127.0.0.1', port: 1060, timeoutMs: 2_000 })
 *   .pipe(switchMap((conn) => conn.send(message).pipe(switchMap(() => conn.bytes.pipe(recvall(16))))))
 *   .subscribe((reply) => console.log(reply));
 * ```
 * or, with the remote first:
 * ```ts
 * connectTcp({ address: '127.0.0.1', port: 1060 }, { signal: AbortSignal.timeout(5_000) });
 * ```
 */
export function connectTcp(options: ConnectTcpOptions): Observable<TcpConnection>;
export function connectTcp(
  remote: TcpRemote,
  options?: Omit<ConnectTcpOptions, 'host' | 'port'>,
): Observable<TcpConnection>;
export function connectTcp(
  target: ConnectTcpOptions | TcpRemote,
  more: Omit<ConnectTcpOptions, 'host' | 'port'> = {},
): Observable<TcpConnection> {
  const options = connectOptionsOf(target, more);
  return new Observable<TcpConnection>((subscriber) => {
    const { host, port, signal } = options;
    try {
      assertConnectHost(host);
      assertRemotePort(port);
      if (signal !== undefined) assertSignal(signal);
      if (options.timeoutMs !== undefined) checkDurationMs(options.timeoutMs, 'timeoutMs');
      if (options.idleTimeoutMs !== undefined) checkDurationMs(options.idleTimeoutMs, 'idleTimeoutMs');
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
    const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    if (signal?.aborted) {
      subscriber.error(abortErrorOf(signal, `connecting to ${at}`));
      return;
    }
    const netOptions = {
      host,
      port,
      allowHalfOpen: true,
      noDelay: options.noDelay ?? false,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
      ...(options.family === undefined ? {} : { family: options.family }),
    };
    const socket = options.tls ? tls.connect({ ...options.tls, ...netOptions }) : net.connect(netOptions);
    let timer: Subscription | undefined;
    let conn: TcpConnection | undefined;

    const onError = (err: Error) => {
      timer?.unsubscribe();
      socket.destroy();
      subscriber.error(toPortaError(err, host, port));
    };
    const onConnect = () => {
      timer?.unsubscribe();
      conn = new TcpConnection(socket, {
        scheduler,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.capture === undefined ? {} : { capture: options.capture, side: 'client' as const }),
        ...(options.maxPendingWriteBytes === undefined
          ? {}
          : { maxPendingWriteBytes: options.maxPendingWriteBytes }),
        ...(options.maxWriteBatchBytes === undefined
          ? {}
          : { maxWriteBatchBytes: options.maxWriteBatchBytes }),
      });
      socket.off('error', onError);
      const connected = portaChannels.tcpConnect;
      if (connected.hasSubscribers)
        connected.publish({ local: conn.local, remote: conn.remote, tls: options.tls !== undefined });
      conn.closed.subscribe(() => subscriber.complete());
      subscriber.next(conn);
    };
    const onAbort = () => {
      if (signal === undefined) return;
      timer?.unsubscribe();
      if (conn === undefined) {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.destroy();
        subscriber.error(abortErrorOf(signal, `connecting to ${at}`));
      } else {
        const error = abortErrorOf(signal, `the connection with ${at}`);
        conn.fail(error);
        subscriber.error(error);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(options.tls ? 'secureConnect' : 'connect', onConnect);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined) {
      timer = scheduler.schedule(() => {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.destroy();
        subscriber.error(
          new TimeoutError(`connecting to ${at} did not complete within ${timeoutMs} ms`, timeoutMs),
        );
      }, timeoutMs);
    }

    return () => {
      timer?.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      socket.off(options.tls ? 'secureConnect' : 'connect', onConnect);
      if (conn !== undefined && !conn.isClosed) markOwnerEnded(conn, 'connectTcp');
      socket.destroy();
    };
  });
}

/**
 * The promise form of {@link connectTcp}: resolves with the {@link TcpConnection} once connected,
 * and the connection stays open until you close it — `conn.close()`, `await using`, the peer, or
 * `signal` — instead of closing when the promise settles as `firstValueFrom(connectTcp(…))` does.
 * Rejects with the same typed errors `connectTcp` reports before connecting (`CONNECTION_REFUSED`,
 * `DNS_LOOKUP_FAILED`, `TIMEOUT`, `ABORT_ERR`, …). Takes the same two argument shapes.
 *
 * @example
 * ```ts
 * await using conn = await openTcpConnection({ host: '127.0.0.1', port: 1060, timeoutMs: 2_000 });
 * await lastValueFrom(conn.send(new TextEncoder().encode('hello')));
 * for await (const chunk of conn) console.log(chunk.length);
 * ```
 */
export function openTcpConnection(options: ConnectTcpOptions): Promise<TcpConnection>;
export function openTcpConnection(
  remote: TcpRemote,
  options?: Omit<ConnectTcpOptions, 'host' | 'port'>,
): Promise<TcpConnection>;
export function openTcpConnection(
  target: ConnectTcpOptions | TcpRemote,
  more: Omit<ConnectTcpOptions, 'host' | 'port'> = {},
): Promise<TcpConnection> {
  return openHandle(connectTcp(connectOptionsOf(target, more)), 'connectTcp');
}

function connectOptionsOf(
  target: ConnectTcpOptions | TcpRemote,
  more: Omit<ConnectTcpOptions, 'host' | 'port'>,
): ConnectTcpOptions {
  if (target !== null && typeof target === 'object' && 'address' in target && !('host' in target)) {
    return { ...more, host: target.address, port: target.port };
  }
  return target as ConnectTcpOptions;
}
