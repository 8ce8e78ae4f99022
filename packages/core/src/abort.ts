import { identity, type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { InvalidArgumentError, PortaError } from './errors.js';

/**
 * An operation ended by its `AbortSignal`. It has the shape of Node's own `AbortError`
 * (`name === 'AbortError'`, `code === 'ABORT_ERR'`, the signal's `reason` as `cause`), so code that
 * already branches on `err.name === 'AbortError'` for `fetch` or `node:net` handles porta the same
 * way, and it is a {@link PortaError} like every other porta failure.
 *
 * @example
 * ```ts
 * try {
 *   await openTcpConnection({ host: '127.0.0.1', port: 1060, signal: AbortSignal.timeout(1_000) });
 * } catch (err) {
 *   if (err instanceof Error && err.name === 'AbortError') console.log('gave up:', err.message);
 * }
 * ```
 */
export class AbortError extends PortaError<'ABORT_ERR'> {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was aborted', options?: { readonly cause?: unknown }) {
    super('ABORT_ERR', message, options);
  }
}

/**
 * The {@link AbortError} for `signal`, saying what it aborted and carrying `signal.reason` as cause
 * (a `TimeoutError` DOMException for `AbortSignal.timeout`, whatever was passed to `abort(reason)`).
 *
 * @example
 * ```ts
 * const connecting = (signal: AbortSignal) =>
 *   new Observable<never>((subscriber) => {
 *     signal.addEventListener('abort', () => subscriber.error(abortErrorOf(signal, 'connecting to db:5432')));
 *   });
 * ```
 */
export function abortErrorOf(signal: AbortSignal, what = 'the operation'): AbortError {
  const reason: unknown = signal.reason;
  const why =
    reason instanceof Error && reason.name !== 'AbortError' ? ` (${reason.name}: ${reason.message})` : '';
  return new AbortError(`${what} was aborted${why}`, { cause: reason });
}

/**
 * Checks an option that should be an `AbortSignal` before any socket exists, as Node's own
 * `validateAbortSignal` does.
 *
 * @example
 * ```ts
 * function open(options: { readonly signal?: AbortSignal } = {}) {
 *   if (options.signal !== undefined) assertSignal(options.signal); // before any socket exists
 * }
 * ```
 * @throws {@link @porta/core!InvalidArgumentError} naming what was passed instead.
 */
export function assertSignal(signal: unknown, what = 'signal'): AbortSignal {
  const candidate = signal as Partial<AbortSignal> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.aborted !== 'boolean' ||
    typeof candidate.addEventListener !== 'function'
  ) {
    throw new InvalidArgumentError(`${what} must be an AbortSignal, got ${String(signal)}`);
  }
  return signal as AbortSignal;
}

/**
 * Ends an Observable when `signal` aborts: the subscriber gets an {@link AbortError} and the source
 * is unsubscribed (for porta's socket Observables: the socket closes). A signal already aborted
 * errors at once, without subscribing the source, so no socket is ever opened. With `undefined` the
 * source passes through unchanged.
 *
 * Every porta function with a `signal` option uses this (or the same rule natively); apply it
 * yourself to any pipeline.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * bindUdp({ port: 0 }).pipe(switchMap((s) => s.datagrams), abortable(controller.signal)).subscribe({
 *   error: (err) => console.log(err.name), // 'AbortError'
 * });
 * controller.abort();
 * ```
 */
export function abortable<T>(
  signal: AbortSignal | undefined,
  what = 'the operation',
): MonoTypeOperatorFunction<T> {
  if (signal === undefined) return identity;
  assertSignal(signal);
  return (source) =>
    new Observable<T>((subscriber) => {
      if (signal.aborted) {
        subscriber.error(abortErrorOf(signal, what));
        return;
      }
      const inner = source.subscribe(subscriber);
      // Registered after the source subscribed, so a source that handles the signal itself (to fail
      // its handle with the same error, say) sees the abort first.
      const onAbort = () => subscriber.error(abortErrorOf(signal, what));
      signal.addEventListener('abort', onAbort, { once: true });
      return () => {
        signal.removeEventListener('abort', onAbort);
        inner.unsubscribe();
      };
    });
}
