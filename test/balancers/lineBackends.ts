// porta backends for the balancer tests: each answers every line with its name and the peer it
// believes it is talking to (`b1 127.0.0.10:40312`), after a short pause so requests overlap.
import net from 'node:net';
import { formatEndpoint, lines } from '@porta/core';
import { type ListenTcpOptions, listenTcp, type TcpListener } from '@porta/tcp';
import {
  catchError,
  concatMap,
  delay,
  EMPTY,
  finalize,
  lastValueFrom,
  map,
  mergeMap,
  of,
  Subscription,
  switchMap,
} from 'rxjs';

export interface LineBackend {
  readonly name: string;
  readonly listener: TcpListener;
  /** Requests answered. */
  readonly served: () => number;
  /** Requests read but not yet answered. */
  readonly inFlight: () => number;
  /** Hard stop, as a killed process: the listening socket and every connection close now. */
  kill(): void;
  /** Graceful: stop accepting, answer what is in flight, then close. */
  shutdown(graceMs?: number): Promise<void>;
}

const encoder = new TextEncoder();

/** Starts one backend; `options` usually carry `host` (127.0.0.2, …) and `proxyProtocol`. */
export function startLineBackend(
  name: string,
  options: ListenTcpOptions,
  answerDelayMs = 20,
): Promise<LineBackend> {
  return new Promise((resolve, reject) => {
    const subs = new Subscription();
    let served = 0;
    let inFlight = 0;
    subs.add(
      listenTcp(options).subscribe({
        error: reject,
        next: (listener) => {
          subs.add(
            listener.connections
              .pipe(
                mergeMap((conn) =>
                  conn.bytes.pipe(
                    lines({ maxFrameLength: 1024 }),
                    concatMap(() => {
                      inFlight++;
                      return of(`${name} ${formatEndpoint(conn.remote)}\n`).pipe(
                        delay(answerDelayMs),
                        switchMap((line) => conn.send(encoder.encode(line))),
                        map(() => {
                          inFlight--;
                          served++;
                        }),
                      );
                    }),
                    // One connection's failure (a reset health check) is that connection's alone.
                    catchError(() => EMPTY),
                    // The client (or a health check) is done: close our side too.
                    finalize(() => conn.end()),
                  ),
                ),
              )
              .subscribe({ error: () => {} }),
          );
          resolve({
            name,
            listener,
            served: () => served,
            inFlight: () => inFlight,
            kill: () => subs.unsubscribe(),
            shutdown: async (graceMs = 5_000) => {
              await lastValueFrom(listener.shutdown(graceMs));
              subs.unsubscribe();
            },
          });
        },
      }),
    );
  });
}

/** One request through the balancer: connect from `localAddress`, send a line, read one line back. */
export function lineRequest(
  host: string,
  port: number,
  localAddress: string,
  timeoutMs = 5_000,
): Promise<{ readonly reply: string; readonly localPort: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress });
    let data = '';
    let localPort = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer in time'));
    }, timeoutMs);
    socket.once('connect', () => {
      localPort = socket.localPort ?? 0;
      socket.write('hello\n');
    });
    socket.on('data', (c: Buffer) => {
      data += c.toString();
      if (data.includes('\n')) {
        clearTimeout(timer);
        socket.end();
        resolve({ reply: data.trim(), localPort });
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (!data.includes('\n')) reject(new Error(`closed before an answer (${JSON.stringify(data)})`));
    });
  });
}

/** Runs `total` requests, `concurrency` at a time, each from 127.0.0.(10 + slot); `onDone` after each. */
export async function runLoad(
  target: { readonly host: string; readonly port: number },
  total: number,
  concurrency: number,
  onDone: (completed: number) => void | Promise<void> = () => {},
): Promise<{ readonly ok: string[]; readonly failed: string[] }> {
  const ok: string[] = [];
  const failed: string[] = [];
  let next = 0;
  let completed = 0;
  const worker = async (slot: number) => {
    while (next < total) {
      next++;
      try {
        const { reply } = await lineRequest(target.host, target.port, `127.0.0.${10 + slot}`);
        ok.push(reply);
      } catch (err) {
        failed.push((err as Error).message);
      }
      completed++;
      await onDone(completed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)));
  return { ok, failed };
}
