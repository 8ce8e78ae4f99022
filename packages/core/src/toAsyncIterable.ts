import type { Observable, Subscription } from 'rxjs';
import { checkPositiveInteger } from './optionChecks.js';

/**
 * Options of {@link toAsyncIterable}.
 *
 * @example
 * ```ts
 * let dropped = 0;
 * const options: ToAsyncIterableOptions<Datagram> = { capacity: 256, onDrop: () => dropped++ };
 * ```
 */
export interface ToAsyncIterableOptions<T> {
  /**
   * Most values held while the loop body runs. A hot source cannot be paused, so a value arriving
   * with the queue full is dropped (the newest: what is queued is older and keeps its order) and
   * passed to `onDrop`. An integer ≥ 1, or `Infinity`. Default 1024.
   */
  readonly capacity?: number;
  /** Called with every value the full queue refused; count it, log it. Never silent. */
  readonly onDrop?: (value: T) => void;
}

const DEFAULT_CAPACITY = 1024;

/**
 * `for await` over an Observable, through a bounded queue. The source is subscribed at once — so
 * values arriving before the loop's first `next()` are queued, not missed: make the iterator, then
 * send the request whose reply it should see — and unsubscribed when the loop ends (`break`, `return`, a throw in the body), when the
 * source completes, or when it errors — the error is thrown from the loop, after the values queued
 * before it.
 *
 * For a source that *can* be paused (a TCP connection), porta pauses it instead of queueing: see
 * `TcpConnection`'s own `for await`. This one is for hot sources (UDP datagrams, events).
 *
 * @example
 * ```ts
 * for await (const event of toAsyncIterable(serve(transport, behaviour), { capacity: 100 })) {
 *   if (event.type === 'failed') console.error(event.error);
 * }
 * ```
 */
export function toAsyncIterable<T>(
  source: Observable<T>,
  options: ToAsyncIterableOptions<T> = {},
): AsyncIterableIterator<T> {
  const capacity = checkPositiveInteger(options.capacity ?? DEFAULT_CAPACITY, 'capacity', { infinity: true });
  const onDrop = options.onDrop;
  const queue: T[] = [];
  let subscription: Subscription | undefined;
  let done = false;
  let failure: { readonly error: unknown } | undefined;
  let waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;

  const settle = () => {
    const w = waiter;
    if (w === undefined) return;
    if (queue.length > 0) {
      waiter = undefined;
      w.resolve({ value: queue.shift() as T, done: false });
    } else if (failure !== undefined) {
      waiter = undefined;
      const { error } = failure;
      failure = undefined;
      w.reject(error);
    } else if (done) {
      waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  };
  const stop = () => {
    done = true;
    queue.length = 0;
    failure = undefined;
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiter = { resolve, reject };
        settle();
      });
    },
    return(): Promise<IteratorResult<T>> {
      stop();
      const w = waiter;
      waiter = undefined;
      w?.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  subscription = source.subscribe({
    next: (value) => {
      if (done) return;
      if (waiter !== undefined && queue.length === 0) {
        const w = waiter;
        waiter = undefined;
        w.resolve({ value, done: false });
      } else if (queue.length < capacity) {
        queue.push(value);
      } else {
        onDrop?.(value);
      }
    },
    error: (error: unknown) => {
      failure = { error };
      done = true;
      settle();
    },
    complete: () => {
      done = true;
      settle();
    },
  });
  return iterator;
}
