import { Observable, type SchedulerLike, Subject } from 'rxjs';
import type { SmuxLink } from '../../src/smux/smuxSession.js';

export interface MemoryLinkEnd extends SmuxLink {
  /** Every chunk this end sent, in order. */
  readonly sent: Uint8Array[];
  /** True while this end's reader has paused it. */
  readonly paused: boolean;
  closedByUser: boolean;
}

/**
 * Two connected byte-stream ends: what one sends, the other receives one scheduler action later.
 * Pausing an end holds back what arrives for it (as a paused TCP socket would).
 */
export function memoryLinkPair(scheduler: SchedulerLike): [MemoryLinkEnd, MemoryLinkEnd] {
  const make = () => {
    const inbound = new Subject<Uint8Array>();
    const held: Uint8Array[] = [];
    const end = {
      sent: [] as Uint8Array[],
      paused: false,
      closedByUser: false,
      peer: undefined as unknown as { accept(chunk: Uint8Array): void },
      inbound: inbound.asObservable(),
      accept(chunk: Uint8Array) {
        if (end.paused) held.push(chunk);
        else inbound.next(chunk);
      },
      send(data: Uint8Array) {
        return new Observable<void>((subscriber) => {
          end.sent.push(data);
          const copy = data.slice();
          scheduler.schedule(() => end.peer.accept(copy));
          subscriber.next();
          subscriber.complete();
        });
      },
      pause() {
        end.paused = true;
      },
      resume() {
        end.paused = false;
        while (!end.paused && held.length > 0) inbound.next(held.shift() as Uint8Array);
      },
      close() {
        end.closedByUser = true;
      },
      subject: inbound,
    };
    return end;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
