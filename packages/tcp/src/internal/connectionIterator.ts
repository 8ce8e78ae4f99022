import { type Observable, type Subscription, take } from 'rxjs';
import type { TcpConnection } from '../tcpConnection.js';

/**
 * A listener's connections as an async iterator that subscribes to `connections` only while the
 * loop waits in `next()`. Connections accepted while the loop body runs wait in the listener's own
 * queue (bounded by `maxConnections`), as they do between subscribers, and come out in order.
 */
export function connectionIterator(
  connections: Observable<TcpConnection>,
): AsyncIterableIterator<TcpConnection> {
  let current: Subscription | undefined;
  let finish: ((r: IteratorResult<TcpConnection>) => void) | undefined;
  let done = false;
  const iterator: AsyncIterableIterator<TcpConnection> = {
    next(): Promise<IteratorResult<TcpConnection>> {
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<TcpConnection>>((resolve, reject) => {
        let got: TcpConnection | undefined;
        finish = resolve;
        // take(1) closes the subscription inside next(), so the listener hands out exactly one of the
        // connections waiting in its queue and keeps the rest for the next call.
        current = connections.pipe(take(1)).subscribe({
          next: (conn) => {
            got = conn;
          },
          error: (err: unknown) => {
            done = true;
            finish = undefined;
            reject(err);
          },
          complete: () => {
            finish = undefined;
            if (got !== undefined) {
              resolve({ value: got, done: false });
            } else {
              done = true;
              resolve({ value: undefined, done: true });
            }
          },
        });
      });
    },
    return(): Promise<IteratorResult<TcpConnection>> {
      done = true;
      current?.unsubscribe();
      finish?.({ value: undefined, done: true });
      finish = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
