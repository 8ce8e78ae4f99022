import type { DatagramSocket } from '@porta/core';
import type { TransportEvent, TransportPlugin } from '@porta/core/transport';
import { Observable } from 'rxjs';
import { type KcpListenOptions, kcpListen } from './kcpListen.js';

/**
 * KCP as a transport plugin: `serve` runs one actor per KCP session, exactly as it runs one per TCP
 * connection, so a behaviour written for TCP runs unchanged over KCP. `bind` opens the datagram
 * socket (`bindUdp` for real UDP, `network.bind` for the simulated network); each session is a
 * `peer`, and each datagram {@link kcpListen} drops is a `rejected` event.
 *
 * @example
 * ```ts
 * serve(kcpTransport(() => bindUdp({ port: 29900 })), (peer) => peer.messages).subscribe();
 * ```
 */
export function kcpTransport(
  bind: () => Observable<DatagramSocket>,
  options: Omit<KcpListenOptions, 'onDrop'> = {},
): TransportPlugin {
  return {
    name: 'kcp',
    open: () =>
      new Observable<TransportEvent>((subscriber) => {
        const sub = bind().subscribe({
          next: (socket) => {
            subscriber.next({ type: 'listening', local: socket.local });
            sub.add(
              kcpListen(socket, {
                ...options,
                onDrop: (reason, remote, bytes) =>
                  subscriber.next({ type: 'rejected', remote, reason, bytes }),
              }).subscribe({
                next: (link) => subscriber.next({ type: 'peer', link }),
                error: (err: unknown) => subscriber.error(err),
              }),
            );
          },
          error: (err: unknown) => subscriber.error(err),
        });
        return () => sub.unsubscribe();
      }),
  };
}
