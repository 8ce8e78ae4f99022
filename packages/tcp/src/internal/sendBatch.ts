import { InvalidArgumentError } from '@porta/core';
import { Observable } from 'rxjs';
import type { ConnectionCore } from './connectionCore.js';

/** `TcpConnectionOptions.maxWriteBatchBytes`, checked, with its default (64 KiB). */
export function maxWriteBatchOf(value: number | undefined): number {
  if (value === undefined) return 64 * 1024;
  if (Number.isInteger(value) && value >= 1) return value;
  throw new InvalidArgumentError(`maxWriteBatchBytes must be a positive integer, got ${String(value)}`);
}

/**
 * `TcpConnection.sendBatch`: `frames` in order, gathered into as few writes as `maxBatchBytes`
 * allows (a frame larger than the bound goes alone), each write with `sendall` semantics. Emits the
 * number of frames each write handed to the OS, in order, so a caller knows exactly which frames
 * went out when a later write fails; completes once all have; errors once, when the rest cannot be
 * sent. A write the socket refuses (`write()` → false) waits for `drain` before the next is made.
 */
export function sendBatch(
  writer: ConnectionCore,
  frames: readonly Uint8Array[],
  maxBatchBytes: number,
): Observable<number> {
  return new Observable<number>((subscriber) => {
    const state = writer;
    const socket = state.socket;
    const total = frames.length;
    let next = 0;
    let handedOver = 0;
    let stopped = false;
    let waitingDrain = false;
    if (total === 0) {
      subscriber.complete();
      return;
    }
    const fail = (err: unknown) => {
      if (stopped) return;
      stopped = true;
      subscriber.error(err);
    };
    const onDrain = () => {
      waitingDrain = false;
      pump();
    };
    const pump = () => {
      while (!stopped && next < total) {
        const refused = state.sendRefusal();
        if (refused) {
          fail(refused);
          return;
        }
        const start = next;
        let bytes = (frames[next++] as Uint8Array).byteLength;
        while (next < total && bytes + (frames[next] as Uint8Array).byteLength <= maxBatchBytes) {
          bytes += (frames[next++] as Uint8Array).byteLength;
        }
        const count = next - start;
        const ok = writer.write(gather(frames, start, next, bytes), (err) => {
          if (stopped) return;
          if (err) {
            fail(err);
            return;
          }
          handedOver += count;
          subscriber.next(count);
          if (handedOver === total) {
            stopped = true;
            subscriber.complete();
          }
        });
        if (!ok && next < total) {
          waitingDrain = true;
          socket.once('drain', onDrain);
          return;
        }
      }
    };
    pump();
    return () => {
      stopped = true;
      if (waitingDrain) socket.off('drain', onDrain);
    };
  });
}

/**
 * One buffer holding `frames[start..end)`: the frame itself when alone, else a copy. Copying beats
 * writev for the small frames batching is for (each `socket.write` of a corked writev costs more
 * than copying a line), and the bound keeps a copy at most `maxBatchBytes`.
 */
function gather(frames: readonly Uint8Array[], start: number, end: number, bytes: number): Uint8Array {
  if (end - start === 1) return frames[start] as Uint8Array;
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = start; i < end; i++) {
    const frame = frames[i] as Uint8Array;
    out.set(frame, at);
    at += frame.byteLength;
  }
  return out;
}
