import type { PortaError } from '@porta/core';
import type { SmuxStream } from '@porta/reliability';
import type { TcpConnection } from '@porta/tcp';
import { Observable } from 'rxjs';

/** Chunks a stream may have on their way to the TCP socket before the stream is paused. */
const MAX_CHUNKS_IN_FLIGHT = 16;

/**
 * Joins a TCP connection and an smux stream both ways, with backpressure each way: TCP bytes are
 * taken through `receive` (the socket pauses while the stream's sends wait), stream bytes pause the
 * stream while the socket drains. TCP's FIN becomes the stream's FIN, the stream's FIN a TCP
 * half-close; once both directions are done (or either fails) both are closed — what kcptun does.
 * Completes when both are done; errors with the first failure.
 *
 * @example
 * ```ts
 * listener.connections.pipe(mergeMap((conn) => pipeStreams(conn, mux.open()))).subscribe();
 * ```
 */
export function pipeStreams(conn: TcpConnection, stream: SmuxStream): Observable<void> {
  return new Observable<void>((subscriber) => {
    let open = 2;
    const done = () => {
      if (--open === 0) {
        stream.close();
        conn.close();
        subscriber.next();
        subscriber.complete();
      }
    };
    const fail = (err: unknown) => {
      stream.close();
      conn.close();
      subscriber.error(err as PortaError);
    };
    const up = conn
      .receive((chunk) => stream.send(chunk))
      .subscribe({
        error: fail,
        complete: () => {
          stream.end();
          done();
        },
      });
    let inFlight = 0;
    const down = stream.bytes.subscribe({
      next: (chunk) => {
        inFlight++;
        if (inFlight >= MAX_CHUNKS_IN_FLIGHT) stream.pause();
        conn.send(chunk).subscribe({
          complete: () => {
            inFlight--;
            if (inFlight < MAX_CHUNKS_IN_FLIGHT / 2) stream.resume();
          },
          error: fail,
        });
      },
      error: fail,
      complete: () => {
        conn.end();
        done();
      },
    });
    return () => {
      up.unsubscribe();
      down.unsubscribe();
      stream.close();
      conn.close();
    };
  });
}
