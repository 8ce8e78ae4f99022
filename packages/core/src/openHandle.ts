import type { Observable } from 'rxjs';
import { SocketClosedError } from './errors.js';

/**
 * The promise form of a porta "open" Observable (`connectTcp`, `listenTcp`, `bindUdp`, …): resolves
 * with the first value — the handle — and keeps the subscription, so the handle lives until it is
 * closed (`close()`, `await using`), not until the promise settles. Rejects with the Observable's
 * error if it fails before opening (the typed error: `CONNECTION_REFUSED`, `ABORT_ERR`, …), or with
 * `SOCKET_CLOSED` if it completes without a handle.
 *
 * This is what `await firstValueFrom(connectTcp(…))` is not: `firstValueFrom` unsubscribes after
 * the first value, and for porta unsubscribing is CLOSE, so the connection it returns is already
 * closing. Use it only on Observables whose handle ends the subscription when closed (every porta
 * transport does); `openTcpConnection`, `openTcpListener`, `openUdpSocket`, `openConnectedUdpSocket`
 * are this applied for you.
 *
 * @example
 * ```ts
 * await using socket = await openHandle(bindUdp({ port: 0 }), 'bindUdp');
 * ```
 */
export function openHandle<T>(source: Observable<T>, what = 'the Observable'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let opened = false;
    source.subscribe({
      next: (handle) => {
        if (opened) return;
        opened = true;
        resolve(handle);
      },
      // After the handle exists, its own streams carry failures (a connection's `bytes`, a socket's
      // `datagrams`); the promise has settled and has nothing more to say.
      error: (error: unknown) => {
        if (!opened) reject(error);
      },
      complete: () => {
        if (!opened) reject(new SocketClosedError(`${what} completed before it opened a handle`));
      },
    });
  });
}
