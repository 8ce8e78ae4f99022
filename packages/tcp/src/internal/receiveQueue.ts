import { InvalidArgumentError } from '@porta/core';
import { from, Observable, type ObservableInput, type Subscription } from 'rxjs';
import type { ReceiveOptions } from '../tcpConnectionOptions.js';
import type { ConnectionCore } from './connectionCore.js';

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

/**
 * `TcpConnection.receive`: `bytes` through `handler` one chunk at a time, the chunks waiting in a
 * queue that holds the socket paused (through `flow`) above `highWaterMark` and lets go at
 * `lowWaterMark`. The marks are checked now, before anyone subscribes.
 */
export function receiveQueue<R>(
  bytes: Observable<Uint8Array>,
  flow: ConnectionCore,
  handler: (chunk: Uint8Array) => ObservableInput<R>,
  options: ReceiveOptions,
): Observable<R> {
  const high = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const low = options.lowWaterMark ?? Math.floor(high / 4);
  if (!(high > 0) || !(low >= 0) || low > high) {
    throw new InvalidArgumentError(
      `receive needs 0 <= lowWaterMark <= highWaterMark and highWaterMark > 0, got ${low} and ${high}`,
    );
  }
  return new Observable<R>((subscriber) => {
    const token = Symbol('receive');
    const queue: Uint8Array[] = [];
    let inputDone = false;
    let busy = false;
    let draining = false;
    let current: Subscription | undefined;
    let queued = 0;

    const release = (n: number) => {
      queued -= n;
      flow.queuedBytes -= n;
      if (queued <= low) flow.letGo(token);
    };
    // A loop, not recursion: a synchronous handler over a long queue must not grow the stack.
    const drain = () => {
      if (draining) return;
      draining = true;
      while (!busy && !subscriber.closed) {
        const chunk = queue.shift();
        if (chunk === undefined) {
          if (inputDone) subscriber.complete();
          break;
        }
        busy = true;
        let result: ObservableInput<R>;
        try {
          result = handler(chunk);
        } catch (err) {
          subscriber.error(err);
          break;
        }
        current = from(result).subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            busy = false;
            release(chunk.length);
            if (!draining) drain();
          },
        });
      }
      draining = false;
    };

    const input = bytes.subscribe({
      next: (chunk) => {
        queue.push(chunk);
        queued += chunk.length;
        flow.queued(chunk.length);
        if (queued > high && !flow.isHeldBy(token)) {
          flow.pauses++;
          flow.hold(token);
        }
        drain();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        inputDone = true;
        drain();
      },
    });

    return () => {
      input.unsubscribe();
      current?.unsubscribe();
      flow.queuedBytes -= queued;
      queued = 0;
      queue.length = 0;
      flow.letGo(token);
    };
  });
}
