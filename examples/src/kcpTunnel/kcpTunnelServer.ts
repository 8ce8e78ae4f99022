import { isPortaError } from '@porta/core';
import { kcpListen, SmuxSession } from '@porta/reliability';
import { connectTcp } from '@porta/tcp';
import { bindUdp } from '@porta/udp';
import { Observable } from 'rxjs';
import { kcpOptionsOf, smuxLinkOf, smuxOptionsOf } from './checkTunnelOptions.js';
import type { KcpTunnelEvent } from './kcpTunnelEvent.js';
import type { KcpTunnelOptions } from './kcpTunnelOptions.js';
import { pipeStreams } from './pipeStreams.js';

/**
 * Options of {@link kcpTunnelServer}: kcptun-server's `-l` and `-t`.
 *
 * @example
 * ```ts
 * kcpTunnelServer({ listen: { address: '127.0.0.1', port: 29900 }, target: { host: '127.0.0.1', port: 1060 } });
 * ```
 */
export interface KcpTunnelServerOptions extends KcpTunnelOptions {
  /** UDP address to accept KCP sessions on. */
  readonly listen: { readonly address: string; readonly port: number };
  /** TCP server each smux stream is connected to. */
  readonly target: { readonly host: string; readonly port: number };
}

/**
 * The server end of a KCP tunnel, as `kcptun-server` is: KCP sessions arrive on UDP, each carries
 * an smux session, and each smux stream is joined to a new TCP connection to `target`. Speaks to
 * `kcptun-client` given the same `--crypt`, `--key`, `--nocomp`, `--ds`, `--ps`, `--mode`, `--smuxver`
 * (the defaults are kcptun's).
 * Emits `listening` first; unsubscribing closes everything.
 *
 * @example
 * ```ts
 * kcpTunnelServer({ listen: { address: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 1060 } })
 *   .subscribe((e) => console.log(e));
 * ```
 */
export function kcpTunnelServer(options: KcpTunnelServerOptions): Observable<KcpTunnelEvent> {
  const smux = smuxOptionsOf(options, false);
  const kcp = kcpOptionsOf(options);
  return new Observable<KcpTunnelEvent>((subscriber) => {
    const sub = bindUdp({ address: options.listen.address, port: options.listen.port }).subscribe({
      next: (socket) => {
        subscriber.next({ type: 'listening', local: socket.local });
        sub.add(
          kcpListen(socket, kcp).subscribe((session) => {
            subscriber.next({
              type: 'session',
              remote: session.remote,
              conv: session.conv,
              stats: () => session.stats,
            });
            const mux = new SmuxSession(smuxLinkOf(session, options), smux);
            const streams = mux.streams.subscribe((stream) => {
              subscriber.next({ type: 'stream-opened', id: stream.id });
              const joined = connectTcp({ host: options.target.host, port: options.target.port }).subscribe({
                next: (conn) => {
                  joined.add(
                    pipeStreams(conn, stream).subscribe({
                      complete: () => subscriber.next({ type: 'stream-closed', id: stream.id }),
                      error: (err: unknown) =>
                        subscriber.next({
                          type: 'stream-closed',
                          id: stream.id,
                          ...(isPortaError(err) ? { error: err } : {}),
                        }),
                    }),
                  );
                },
                error: (err: unknown) => {
                  stream.close();
                  subscriber.next({
                    type: 'stream-closed',
                    id: stream.id,
                    ...(isPortaError(err) ? { error: err } : {}),
                  });
                },
              });
              streams.add(joined);
            });
            session.closed.subscribe(() => {
              streams.unsubscribe();
              mux.close();
              subscriber.next({ type: 'session-closed', conv: session.conv });
            });
          }),
        );
      },
      error: (err: unknown) => subscriber.error(err),
    });
    return () => sub.unsubscribe();
  });
}
