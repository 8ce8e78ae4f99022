import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
  tap,
} from 'rxjs';
import { TimeoutError } from '../errors.js';
import { checkDurationMs } from '../optionChecks.js';

/**
 * Options of {@link frameTimeout}.
 *
 * @example
 * ```ts
 * const options: FrameTimeoutOptions = { timeoutMs: 10_000 };
 * ```
 */
export interface FrameTimeoutOptions {
  /** A frame must be complete this long after its first byte arrived. */
  readonly timeoutMs: number;
  /** Clock; inject `TestScheduler`/a virtual-time scheduler in tests. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Frame-assembly timeout, the guard against slow-loris peers: wraps a framing operator (any
 * `OperatorFunction<Uint8Array, T>`, e.g. `lengthField()`), and errors with `TIMEOUT` when a frame
 * that has started does not finish within `timeoutMs` — however steadily its bytes trickle in, which
 * an idle timeout cannot catch.
 *
 * A frame "starts" with the first non-empty chunk after the previous frame was emitted (or after
 * subscription), and the clock is not reset by later chunks, only by the framer emitting. Without
 * looking inside the framer it cannot see a frame that starts in the tail of the chunk that
 * finished the previous one; that frame's clock starts with its next chunk, so a peer gains at most
 * one inter-chunk gap. The timeout lives here, as an operator, rather than on the socket, because
 * only the framing knows where frames begin and end — no socket knows a codec.
 *
 * Place it where the connection is consumed; the error then ends that pipeline, and whoever owns
 * the connection (the actor runtime, or your `catchError`) closes it.
 *
 * @example
 * ```ts
 * conn.bytes.pipe(frameTimeout(lengthField(), { timeoutMs: 10_000 }));
 * ```
 */
export function frameTimeout<T>(
  framer: OperatorFunction<Uint8Array, T>,
  options: FrameTimeoutOptions,
): OperatorFunction<Uint8Array, T> {
  const timeoutMs = checkDurationMs(options.timeoutMs, 'timeoutMs');
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T>((subscriber) => {
      let timer: Subscription | undefined;
      const stopClock = () => {
        timer?.unsubscribe();
        timer = undefined;
      };
      const startClock = (chunk: Uint8Array) => {
        if (timer !== undefined || chunk.length === 0) return;
        timer = scheduler.schedule(() => {
          timer = undefined;
          subscriber.error(
            new TimeoutError(`frame not complete ${timeoutMs} ms after its first byte`, timeoutMs),
          );
        }, timeoutMs);
      };
      const frames = source.pipe(tap(startClock), framer).subscribe({
        next: (frame) => {
          stopClock();
          subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        stopClock();
        frames.unsubscribe();
      };
    });
}
