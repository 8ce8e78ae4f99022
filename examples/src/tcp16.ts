import { type Endpoint, encodeString, recvall, TruncatedError } from '@porta/core';
import { connectTcp, listenTcp } from '@porta/tcp';
import {
  catchError,
  concatMap,
  EMPTY,
  finalize,
  first,
  ignoreElements,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  startWith,
  switchMap,
  take,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { captureOf } from './captureOf.js';
import { defaultLog, type ExampleOptions, messages } from './messages.js';
import { noAnswerAt } from './noAnswerAt.js';
import { pyAddress, pyBytesRepr } from './python.js';

/** What the client sends: exactly 16 octets. */
export const CLIENT_MESSAGE = 'Enviei, servidor';
/** What the server answers: exactly 16 octets. */
export const SERVER_MESSAGE = 'Fechado, cliente';

/** What the 16-octet server did. */
export type Tcp16ServerEvent =
  | { readonly type: 'listening'; readonly local: Endpoint }
  | { readonly type: 'answered'; readonly from: Endpoint; readonly message: Uint8Array }
  | { readonly type: 'failed'; readonly from: Endpoint; readonly error: Error };

/** Options of {@link tcp16Server} and {@link tcp16Client}. */
export interface Tcp16Options extends ExampleOptions {
  /** Interface the server listens on / host the client connects to (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP port (default 1060; 0 lets the server's OS choose). */
  readonly port?: number;
  /**
   * Server: balancers (addresses or CIDR ranges) whose PROXY header names the real client, as
   * HAProxy's `send-proxy`/`send-proxy-v2` send it. Default none: every peer is taken as it is.
   */
  readonly trustProxy?: readonly string[];
  /**
   * Server: when this emits, stop accepting, let the connections in flight finish (up to 10 s),
   * then complete — a worker's drain on SIGTERM. Default: serve until unsubscribed.
   */
  readonly stop?: Observable<unknown>;
  /**
   * Server: listen with `reusePort`, so the server's other processes can listen on the same port
   * and the kernel spreads connections (Node ≥ 22.12; see `listenTcp`). Default false.
   */
  readonly reusePort?: boolean;
}

/**
 * The course's `tcp_exemplo.py servidor`: LISTEN, then for every connection read exactly 16 octets
 * (`recvall(16)`), answer `Fechado, cliente` and close. A client that sends fewer octets and
 * closes is reported (`failed`, the course's EOFError) without stopping the server.
 *
 * @example
 * ```ts
 * tcp16Server({ port: 0 }).subscribe((e) => console.log(e.type));
 * ```
 */
export function tcp16Server(options: Tcp16Options = {}): Observable<Tcp16ServerEvent> {
  const { host = '127.0.0.1', port = 1060, log = defaultLog } = options;
  const say = messages(options.lang).tcp16;
  const describe = (error: Error) =>
    error instanceof TruncatedError ? say.eof(error.expected ?? 16, error.received) : error.message;
  const trusted = options.trustProxy ?? [];
  return listenTcp({
    host,
    port,
    ...(trusted.length > 0 ? { proxyProtocol: { trusted } } : {}),
    ...(options.reusePort === true ? { reusePort: true } : {}),
    ...captureOf(options),
  }).pipe(
    tap((listener) => {
      log(say.listening(pyAddress(listener.local)));
      log(say.waiting());
    }),
    switchMap((listener) =>
      merge(
        options.stop?.pipe(
          take(1),
          switchMap(() => listener.shutdown(10_000)),
          ignoreElements(),
        ) ?? EMPTY,
        listener.connections,
      ).pipe(
        mergeMap((conn): Observable<Tcp16ServerEvent> => {
          log(say.accepted(pyAddress(conn.remote)));
          log(say.socketName(pyAddress(conn.local)));
          log(say.socketPeer(pyAddress(conn.remote)));
          return conn.bytes.pipe(
            recvall(16),
            concatMap((message) => {
              log(say.received(pyBytesRepr(message)));
              return conn.send(encodeString(SERVER_MESSAGE, 'ascii')).pipe(
                tap({
                  complete: () => {
                    conn.close();
                    log(say.replied());
                  },
                }),
                ignoreElements(),
                startWith({ type: 'answered', from: conn.remote, message } as const),
              );
            }),
            // Python's server dies of the EOFError; porta's reports it and goes on serving.
            catchError((error: Error) => {
              log(say.failed(describe(error)));
              return of({ type: 'failed', from: conn.remote, error } as const);
            }),
            finalize(() => {
              conn.close();
              log(say.waiting());
            }),
          );
        }),
        startWith({ type: 'listening', local: listener.local } as const),
      ),
    ),
  );
}

/** What the 16-octet client saw. */
export interface Tcp16Exchange {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly reply: Uint8Array;
}

/** Options of {@link tcp16Client}. */
export interface Tcp16ClientOptions extends Tcp16Options {
  /**
   * How long the whole exchange (connect, send, read 16 octets) may take before failing with
   * `TIMEOUT` (default 5000 ms). The course's client waits for ever on a server that accepts and
   * never answers; a command a person runs should not.
   */
  readonly timeoutMs?: number;
}

/**
 * The course's `tcp_exemplo.py cliente`: CONNECT, print the socket name, send 16 octets with
 * `sendall`, read exactly 16 back with `recvall(16)`, close. Fails with `TIMEOUT` when the exchange
 * takes longer than `timeoutMs`.
 *
 * @example
 * ```ts
 * const { reply } = await firstValueFrom(tcp16Client({ host: '127.0.0.1', port: 1060 }));
 * ```
 */
export function tcp16Client(options: Tcp16ClientOptions = {}): Observable<Tcp16Exchange> {
  const { host = '127.0.0.1', port = 1060, timeoutMs = 5000, log = defaultLog } = options;
  const say = messages(options.lang).tcp16;
  return connectTcp({ host, port, ...captureOf(options) }).pipe(
    tap((conn) => log(say.clientName(pyAddress(conn.local)))),
    switchMap((conn) =>
      merge(
        conn.bytes.pipe(recvall(16)),
        conn.send(encodeString(CLIENT_MESSAGE, 'ascii')).pipe(ignoreElements()),
      ).pipe(
        map((reply) => {
          log(say.reply(pyBytesRepr(reply)));
          return { local: conn.local, remote: conn.remote, reply };
        }),
        finalize(() => conn.close()),
      ),
    ),
    first(),
    // Unsubscribing on timeout closes the connection (the finalize above).
    timeout({ first: timeoutMs, with: () => throwError(() => noAnswerAt(host, port, timeoutMs)) }),
  );
}
