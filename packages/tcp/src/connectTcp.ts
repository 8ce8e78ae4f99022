import net from 'node:net';
import tls from 'node:tls';
import { type PacketCapture, TimeoutError } from '@porta/core';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { toPortaError } from './internal/systemError.js';
import { assertConnectHost, assertCount, assertDuration, assertRemotePort } from './internal/validate.js';
import { TcpConnection } from './TcpConnection.js';

/**
 * Options of {@link connectTcp}.
 *
 * @example
 * ```ts
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
  readonly tls?: tls.ConnectionOptions;
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
  /** Clock for `timeoutMs` and `idleTimeoutMs`. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Record the connection in a pcapng capture (core's `PacketCapture`). Default none. */
  readonly capture?: PacketCapture;
}

/**
 * Connects to a TCP (or TLS) server: SOCKET + CONNECT on subscribe, then emits the
 * {@link TcpConnection} once connected (after the handshake for TLS). The Observable stays open
 * while the connection is: it completes when the socket closes, and unsubscribing closes the
 * socket — also in the middle of connecting.
 *
 * Errors: `INVALID_ARGUMENT` (before any socket), `CONNECTION_REFUSED` naming the address,
 * `TIMEOUT`, `TLS`, `SOCKET`. Errors after the connection is made surface on its `bytes` and sends.
 *
 * @example
 * ```ts
 * connectTcp({ host: '127.0.0.1', port: 1060, timeoutMs: 2_000 })
 *   .pipe(switchMap((conn) => conn.send(message).pipe(switchMap(() => conn.bytes.pipe(recvall(16))))))
 *   .subscribe((reply) => console.log(reply));
 * ```
 */
export function connectTcp(options: ConnectTcpOptions): Observable<TcpConnection> {
  return new Observable<TcpConnection>((subscriber) => {
    const { host, port } = options;
    try {
      assertConnectHost(host);
      assertRemotePort(port);
      if (options.timeoutMs !== undefined) assertDuration(options.timeoutMs, 'timeoutMs');
      if (options.idleTimeoutMs !== undefined) assertDuration(options.idleTimeoutMs, 'idleTimeoutMs');
      if (options.maxPendingWriteBytes !== undefined) {
        assertCount(options.maxPendingWriteBytes, 'maxPendingWriteBytes');
      }
    } catch (err) {
      subscriber.error(err);
      return;
    }
    const scheduler = options.scheduler ?? asyncScheduler;
    const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
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

    const onError = (err: Error) => {
      timer?.unsubscribe();
      socket.destroy();
      subscriber.error(toPortaError(err, host, port));
    };
    const onConnect = () => {
      timer?.unsubscribe();
      const conn = new TcpConnection(socket, {
        scheduler,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.capture === undefined ? {} : { capture: options.capture, side: 'client' as const }),
        ...(options.maxPendingWriteBytes === undefined
          ? {}
          : { maxPendingWriteBytes: options.maxPendingWriteBytes }),
      });
      socket.off('error', onError);
      conn.closed.subscribe(() => subscriber.complete());
      subscriber.next(conn);
    };
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
      socket.off(options.tls ? 'secureConnect' : 'connect', onConnect);
      socket.destroy();
    };
  });
}
