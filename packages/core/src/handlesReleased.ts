/**
 * Resolves once the OS handles closed so far in this turn of the event loop are released. A
 * `net.Server`'s and a `dgram.Socket`'s `'close'` event comes on the next tick, before libuv has
 * released the handle (that happens in the loop's close phase); a `close()` that promises "the
 * handle is gone" waits for this after it. The first `setImmediate` may run before the close
 * phase of this iteration, the second runs in the next iteration's check phase, after it.
 *
 * For transport authors: porta's own `close()` and `Symbol.asyncDispose` methods use it.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:net';
 * const server = createServer().listen(0);
 * await new Promise<void>((resolve) => server.close(() => void handlesReleased().then(resolve)));
 * ```
 */
export function handlesReleased(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
