import { MailboxOverflowError } from '@porta/core';
import { isObservable, Observable, takeWhile } from 'rxjs';
import type { FrameSource } from '../tcpConnectionOptions.js';
import type { ConnectionCore } from './connectionCore.js';

/**
 * `TcpConnection.sendAll`: frames in order, each with `sendall` semantics. Iterables are pulled no
 * faster than the socket drains; an Observable pushes, and fails once more than `maxPendingWrite`
 * bytes wait in the socket's buffer.
 */
export function sendAll(
  writer: ConnectionCore,
  frames: FrameSource,
  maxPendingWrite: number,
): Observable<void> {
  if (isObservable(frames)) return sendPushed(writer, frames, maxPendingWrite);
  return sendPulled(writer, frames);
}

function sendPushed(
  writer: ConnectionCore,
  frames: Observable<Uint8Array>,
  maxPendingWrite: number,
): Observable<void> {
  const state = writer;
  return new Observable<void>((subscriber) => {
    let pending = 0;
    let sourceDone = false;
    const finish = () => {
      if (sourceDone && pending === 0) {
        subscriber.next();
        subscriber.complete();
      }
    };
    // takeWhile lets a synchronous source see that we stopped: without it, `from(array)` would go on
    // calling next() after an error, before subscribe() had even returned a subscription to cancel.
    const source = frames.pipe(takeWhile(() => !subscriber.closed)).subscribe({
      next: (frame) => {
        const closed = state.sendRefusal();
        if (closed) {
          subscriber.error(closed);
          return;
        }
        pending++;
        writer.write(frame, (err) => {
          pending--;
          if (err) subscriber.error(err);
          else finish();
        });
        const waiting = state.socket.writableLength;
        if (waiting > maxPendingWrite) {
          subscriber.error(
            new MailboxOverflowError(
              maxPendingWrite,
              `sendAll: ${waiting} bytes wait for the socket to drain, over ` +
                `maxPendingWriteBytes ${maxPendingWrite}; the Observable outruns the peer ` +
                '(pass an Iterable or AsyncIterable to pull frames instead)',
            ),
          );
        }
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        sourceDone = true;
        finish();
      },
    });
    return () => source.unsubscribe();
  });
}

function sendPulled(
  writer: ConnectionCore,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Observable<void> {
  const state = writer;
  return new Observable<void>((subscriber) => {
    const socket = state.socket;
    const isAsync = Symbol.asyncIterator in frames;
    const iterator: Iterator<Uint8Array> | AsyncIterator<Uint8Array> = isAsync
      ? (frames as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (frames as Iterable<Uint8Array>)[Symbol.iterator]();
    let pending = 0;
    let sourceDone = false;
    let stopped = false;
    let waitingDrain = false;

    const fail = (err: unknown) => {
      if (stopped) return;
      stopped = true;
      subscriber.error(err);
    };
    const finish = () => {
      if (sourceDone && pending === 0 && !stopped) {
        stopped = true;
        subscriber.next();
        subscriber.complete();
      }
    };
    const onDrain = () => {
      waitingDrain = false;
      pump();
    };
    // Returns false when the caller must stop pulling (buffer full, failed, or finished).
    const put = (result: IteratorResult<Uint8Array>): boolean => {
      if (stopped) return false;
      if (result.done) {
        sourceDone = true;
        finish();
        return false;
      }
      const closed = state.sendRefusal();
      if (closed) {
        fail(closed);
        return false;
      }
      pending++;
      const ok = writer.write(result.value, (err) => {
        pending--;
        if (err) fail(err);
        else finish();
      });
      if (!ok) {
        waitingDrain = true;
        socket.once('drain', onDrain);
        return false;
      }
      return true;
    };
    const pump = () => {
      try {
        if (isAsync) {
          if (stopped || waitingDrain) return;
          (iterator as AsyncIterator<Uint8Array>).next().then((result) => {
            if (put(result)) pump();
          }, fail);
        } else {
          while (!stopped && !waitingDrain && put((iterator as Iterator<Uint8Array>).next()));
        }
      } catch (err) {
        fail(err);
      }
    };
    pump();

    return () => {
      const wasRunning = !sourceDone;
      stopped = true;
      socket.off('drain', onDrain);
      if (wasRunning) {
        try {
          void iterator.return?.();
        } catch {
          // The source's own cleanup failed; the subscription is over either way.
        }
      }
    };
  });
}
