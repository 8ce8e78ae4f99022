import { type Endpoint, endpoint, isPortaError } from '@porta/core';
import { type KcpSession, kcpConnect, SmuxSession } from '@porta/reliability';
import { listenTcp } from '@porta/tcp';
import { bindUdp } from '@porta/udp';
import { Observable, type Subscription } from 'rxjs';
import { kcpOptionsOf, smuxLinkOf, smuxOptionsOf } from './checkTunnelOptions.js';
import type { KcpTunnelEvent } from './kcpTunnelEvent.js';
import type { KcpTunnelOptions } from './kcpTunnelOptions.js';
import { pipeStreams } from './pipeStreams.js';

/**
 * Options of {@link kcpTunnelClient}: kcptun-client's `-l` and `-r`.
 *
 * @example
 * ```ts
 * kcpTunnelClient({ listen: { host: '127.0.0.1', port: 12948 }, remote: { address: '127.0.0.1', port: 29900 } });
 * ```
 */
export interface KcpTunnelClientOptions extends KcpTunnelOptions {
  /** TCP address to accept connections on. */
  readonly listen: { readonly host: string; readonly port: number };
  /** The KCP server (UDP). */
  readonly remote: { readonly address: string; readonly port: number };
}

interface Link {
  readonly session: KcpSession;
  readonly mux: SmuxSession;
  readonly subscription: Subscription;
}

/**
 * The client end of a KCP tunnel, as `kcptun-client` is: it accepts TCP connections and carries
 * each as an smux stream over one KCP session to `remote` (a new session once the old one dies).
 * Speaks to `kcptun-server` given the same `--crypt`, `--key`, `--nocomp`, `--ds`, `--ps`, `--mode`,
 * `--smuxver` (the defaults are kcptun's).
 * Emits `listening` first; unsubscribing closes everything.
 *
 * @example
 * ```ts
 * kcpTunnelClient({ listen: { host: '127.0.0.1', port: 0 }, remote: { address: '127.0.0.1', port: 29900 } })
 *   .subscribe((e) => console.log(e));
 * ```
 */
export function kcpTunnelClient(options: KcpTunnelClientOptions): Observable<KcpTunnelEvent> {
  const smux = smuxOptionsOf(options, true);
  const kcp = kcpOptionsOf(options);
  const remote: Endpoint = endpoint(options.remote.address, options.remote.port);
  return new Observable<KcpTunnelEvent>((subscriber) => {
    let link: Link | undefined;
    const linkFor = (): Observable<Link> =>
      new Observable<Link>((out) => {
        if (link && !link.session.isClosed && !link.mux.isClosed) {
          out.next(link);
          out.complete();
          return;
        }
        const family = remote.family === 'IPv6' ? 'IPv6' : 'IPv4';
        const udp = bindUdp({ address: family === 'IPv6' ? '::' : '0.0.0.0', port: 0 }).subscribe({
          next: (socket) => {
            udp.add(
              kcpConnect(socket, remote, kcp).subscribe((session) => {
                const mux = new SmuxSession(smuxLinkOf(session, options), smux);
                const current: Link = { session, mux, subscription: udp };
                link = current;
                subscriber.next({ type: 'session', remote, conv: session.conv, stats: () => session.stats });
                mux.closed.subscribe(() => {
                  subscriber.next({ type: 'session-closed', conv: session.conv });
                  if (link === current) link = undefined;
                  udp.unsubscribe();
                });
                out.next(current);
                out.complete();
              }),
            );
          },
          error: (err: unknown) => out.error(err),
        });
      });

    const tcp = listenTcp({ host: options.listen.host, port: options.listen.port }).subscribe({
      next: (listener) => {
        subscriber.next({ type: 'listening', local: listener.local });
        tcp.add(
          listener.connections.subscribe((conn) => {
            tcp.add(
              linkFor().subscribe({
                next: ({ mux }) => {
                  const stream = mux.open();
                  subscriber.next({ type: 'stream-opened', id: stream.id });
                  tcp.add(
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
                error: () => conn.close(),
              }),
            );
          }),
        );
      },
      error: (err: unknown) => subscriber.error(err),
    });
    return () => {
      tcp.unsubscribe();
      link?.mux.close();
      link?.subscription.unsubscribe();
    };
  });
}
