import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { ReceiveOptions, TcpConnection } from '../tcpConnection.js';

/**
 * A connection's inbound bytes as an async iterator, built on `receive` so the pause/resume rule is
 * the one already tested there: the chunk handed to the loop counts as queued until the loop asks
 * for the next one, so with the default marks (high 1 byte, low 0) the socket is paused for exactly
 * as long as the loop body runs.
 */
export function chunkIterator(
  conn: TcpConnection,
  options: ReceiveOptions,
): AsyncIterableIterator<Uint8Array> {
  const marks =
    options.highWaterMark === undefined && options.lowWaterMark === undefined
      ? { highWaterMark: 1, lowWaterMark: 0 }
      : options;
  // Checked now, as receive() would, rather than at the first next().
  conn.receive(() => [], marks);

  let subscription: Subscription | undefined;
  let done = false;
  let failure: { readonly error: unknown } | undefined;
  // The chunk `receive` handed over that the loop has not taken yet, and the handle that tells
  // `receive` the loop is done with the chunk it holds.
  let ready: { readonly chunk: Uint8Array; readonly release: Subscriber<never> } | undefined;
  let held: Subscriber<never> | undefined;
  let waiter: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void } | undefined;

  const settle = () => {
    const w = waiter;
    if (w === undefined) return;
    if (ready !== undefined) {
      waiter = undefined;
      held = ready.release;
      const { chunk } = ready;
      ready = undefined;
      w.resolve({ value: chunk, done: false });
    } else if (failure !== undefined) {
      waiter = undefined;
      w.reject(failure.error);
      failure = undefined;
    } else if (done) {
      waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  };

  const start = () => {
    subscription = conn
      .receive(
        (chunk) =>
          new Observable<never>((release) => {
            ready = { chunk, release };
            settle();
          }),
        marks,
      )
      .subscribe({
        error: (error: unknown) => {
          done = true;
          failure = { error };
          settle();
        },
        complete: () => {
          done = true;
          settle();
        },
      });
  };

  const iterator: AsyncIterableIterator<Uint8Array> = {
    next(): Promise<IteratorResult<Uint8Array>> {
      // The loop asks for more: let go of the chunk it held, which may resume the socket.
      const release = held;
      held = undefined;
      if (subscription === undefined && !done) start();
      release?.complete();
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      });
    },
    return(): Promise<IteratorResult<Uint8Array>> {
      done = true;
      ready = undefined;
      held = undefined;
      failure = undefined;
      subscription?.unsubscribe();
      const w = waiter;
      waiter = undefined;
      w?.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
