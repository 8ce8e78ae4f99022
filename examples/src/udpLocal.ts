import { type Endpoint, encodeString, endpoint, formatEndpoint, TimeoutError } from '@porta/core';
import { bindUdp } from '@porta/udp';
import {
  concatMap,
  first,
  ignoreElements,
  map,
  merge,
  type Observable,
  of,
  startWith,
  switchMap,
  tap,
  throwError,
  timeout,
  timer,
} from 'rxjs';
import { asciiText } from './ascii.js';
import { defaultLog, type ExampleOptions, messages } from './messages.js';
import { pyAddress, pyDatetime, pyRepr } from './python.js';

/**
 * The server's answer to any request: the course's text, with the request's length in bytes.
 *
 * @example
 * ```ts
 * lengthReply(63); // 'Mensagem para o cliente: O dado enviado possui comprimento de 63 bytes'
 * ```
 */
export function lengthReply(length: number): string {
  return `Mensagem para o cliente: O dado enviado possui comprimento de ${length} bytes`;
}

/** What a request/length server did, one event per step. */
export type LengthServerEvent =
  | { readonly type: 'listening'; readonly local: Endpoint }
  | { readonly type: 'answered'; readonly from: Endpoint; readonly request: string; readonly reply: string }
  | { readonly type: 'dropped'; readonly from: Endpoint; readonly reason: string };

/** Options of {@link udpLocalServer}. */
export interface UdpLocalServerOptions extends ExampleOptions {
  /** Address to bind (default `127.0.0.1`, as the course). */
  readonly host?: string;
  /** UDP port (default 1060; 0 lets the OS choose). */
  readonly port?: number;
  /**
   * Hold each reply this long before sending it (default 0). Stands in for the course's suspended
   * server (Ctrl+Z) in the promiscuous-client demonstration: the window in which a spoofer answers first.
   */
  readonly holdMs?: number;
}

/**
 * The course's `udp_local.py servidor`: binds, then answers every datagram with its length.
 * Emits `listening` once with the bound address, then one event per datagram; unsubscribe to close.
 *
 * @example
 * ```ts
 * udpLocalServer({ port: 0 }).subscribe((e) => e.type === 'listening' && console.log(e.local.port));
 * ```
 */
export function udpLocalServer(options: UdpLocalServerOptions = {}): Observable<LengthServerEvent> {
  const { host = '127.0.0.1', port = 1060, holdMs = 0, log = defaultLog } = options;
  const say = messages(options.lang).udpLocal;
  return bindUdp({ address: host, port }).pipe(
    tap((socket) => log(say.listening(pyAddress(socket.local)))),
    switchMap((socket) =>
      socket.datagrams.pipe(
        concatMap(({ data, remote }): Observable<LengthServerEvent> => {
          let request: string;
          try {
            request = asciiText(data);
          } catch (err) {
            // Python's server dies of the UnicodeDecodeError; porta's says so and goes on.
            const reason = (err as Error).message;
            log(say.ignored(pyAddress(remote), reason));
            return of({ type: 'dropped', from: remote, reason });
          }
          log(say.received(pyAddress(remote), request));
          const reply = lengthReply(data.length);
          const send = socket.send(encodeString(reply, 'ascii'), remote);
          return (holdMs > 0 ? timer(holdMs).pipe(switchMap(() => send)) : send).pipe(
            ignoreElements(),
            startWith({ type: 'answered', from: remote, request, reply } as const),
          );
        }),
        startWith({ type: 'listening', local: socket.local } as const),
      ),
    ),
  );
}

/** What a client learnt from one request/reply exchange. */
export interface ClientExchange {
  /** The client's own socket address (getsockname). */
  readonly local: Endpoint;
  /** Who the reply came from. */
  readonly from: Endpoint;
  readonly request: string;
  readonly reply: string;
}

/** Options of {@link udpLocalClient}. */
export interface UdpLocalClientOptions extends ExampleOptions {
  /** Server address (default `127.0.0.1`, as the course). */
  readonly host?: string;
  /** Server port (default 1060). */
  readonly port?: number;
  /** Address the client binds (default `0.0.0.0`, what the OS gives the course's unbound socket). */
  readonly bindAddress?: string;
  /**
   * How long to wait for the reply before failing with `TIMEOUT` (default 5000 ms). The course's
   * client waits forever; a command a person runs should not.
   */
  readonly timeoutMs?: number;
  /** Clock for the request's timestamp (default `new Date()`). */
  readonly now?: () => Date;
  /** Called once the request is out, with the client's address: the port the course tells you to note. */
  readonly onSent?: (local: Endpoint) => void;
}

/**
 * The course's `udp_local.py cliente`: sends the current time, prints its own socket name, then
 * takes the **first datagram that arrives, from anyone** — the naive "promiscuous" client the course
 * warns about (see {@link hardenedClient} for the fix).
 *
 * @example
 * ```ts
 * const exchange = await firstValueFrom(udpLocalClient({ port: 1060 }));
 * ```
 */
export function udpLocalClient(options: UdpLocalClientOptions = {}): Observable<ClientExchange> {
  const {
    host = '127.0.0.1',
    port = 1060,
    bindAddress = '0.0.0.0',
    timeoutMs = 5000,
    log = defaultLog,
  } = options;
  const say = messages(options.lang).udpLocal;
  const server = endpoint(host, port);
  const request = `Mensagem para o servidor: Hora atual ${pyDatetime(options.now?.() ?? new Date())}`;
  return bindUdp({ address: bindAddress, port: 0 }).pipe(
    switchMap((socket) =>
      merge(
        socket.datagrams,
        socket.send(encodeString(request, 'ascii'), server).pipe(
          tap({
            complete: () => {
              log(say.clientName(pyAddress(socket.local)));
              options.onSent?.(socket.local);
            },
          }),
          ignoreElements(),
        ),
      ).pipe(
        first(),
        timeout({ first: timeoutMs, with: () => throwError(() => noAnswer(server, timeoutMs)) }),
        map(({ data, remote }) => {
          const reply = asciiText(data);
          log(say.reply(pyAddress(remote), pyRepr(reply)));
          return { local: socket.local, from: remote, request, reply };
        }),
      ),
    ),
    // One exchange; completing releases the socket.
    first(),
  );
}

/**
 * The error a client raises when its request got no answer in time.
 *
 * @example
 * ```ts
 * noAnswer(endpoint('127.0.0.1', 1060), 5000).message; // 'nothing answered at 127.0.0.1:1060 within 5 s'
 * ```
 */
export function noAnswer(server: Endpoint, timeoutMs: number): TimeoutError {
  return new TimeoutError(
    `nothing answered at ${formatEndpoint(server)} within ${timeoutMs / 1000} s`,
    timeoutMs,
  );
}
