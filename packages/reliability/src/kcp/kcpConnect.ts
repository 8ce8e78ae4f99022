import { getRandomValues } from 'node:crypto';
import { type DatagramSocket, type Endpoint, sameOrigin } from '@porta/core';
import { checkInteger } from '@porta/core/transport';
import { Observable } from 'rxjs';
import { kcpTransmit } from './internal/kcpTransmit.js';
import { KcpSession } from './kcpSession.js';
import { type KcpSessionOptions, resolveKcpOptions } from './kcpSessionOptions.js';

/**
 * Options of {@link kcpConnect}.
 *
 * @example
 * ```ts
 * kcpConnect(socket, server, { conv: 42, mode: 'fast2' });
 * ```
 */
export interface KcpConnectOptions extends KcpSessionOptions {
  /** The conversation id. Default: random, as kcp-go's `DialWithOptions` picks it. */
  readonly conv?: number;
}

/**
 * Opens a KCP session to `remote` over `socket` (a real UDP socket or one on the simulated network).
 * UDP has no handshake: the session exists at once, and the peer learns of it from the first packet.
 * Datagrams from anyone but `remote` are ignored. Emits the session once; completes when it ends;
 * unsubscribing closes it.
 *
 * @throws {@link @porta/core!InvalidArgumentError} (at call time) for a bad option.
 * @example
 * ```ts
 * bindUdp().pipe(
 *   switchMap((socket) => kcpConnect(socket, { address: '127.0.0.1', port: 29900, family: 'IPv4' })),
 *   switchMap((session) => session.send(bytes)),
 * ).subscribe();
 * ```
 */
export function kcpConnect(
  socket: DatagramSocket,
  remote: Endpoint,
  options: KcpConnectOptions = {},
): Observable<KcpSession> {
  const resolved = resolveKcpOptions(options);
  if (options.conv !== undefined) checkInteger(options.conv, 'conv', 0, 0xffffffff);
  return new Observable<KcpSession>((subscriber) => {
    const conv = options.conv ?? getRandomValues(new Uint32Array(1))[0] ?? 1;
    const session = new KcpSession(
      conv,
      {
        local: socket.local,
        remote,
        transmit: kcpTransmit(socket, remote),
        closed: () => {
          input.unsubscribe();
          subscriber.complete();
        },
      },
      resolved,
    );
    const input = socket.datagrams.subscribe({
      next: (d) => {
        if (sameOrigin(d.remote, remote)) session.input(d.data);
      },
      error: (err: unknown) => subscriber.error(err),
    });
    subscriber.next(session);
    return () => {
      input.unsubscribe();
      session.close();
    };
  });
}
