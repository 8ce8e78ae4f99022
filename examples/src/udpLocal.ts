import {
  type Datagram,
  type Endpoint,
  encodeString,
  endpoint,
  formatEndpoint,
  TimeoutError,
} from '@porta/core';
import { bindUdp } from '@porta/udp';
import {
  first,
  identity,
  type MonoTypeOperatorFunction,
  map,
  type Observable,
  switchMap,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { asciiText } from './ascii.js';
import { captureOf } from './captureOf.js';
import { firstReply } from './firstReply.js';
import { type LengthServerEvent, type LengthServerOptions, lengthServer } from './lengthServer.js';
import { defaultLog, type ExampleOptions, messages } from './messages.js';
import { pyAddress, pyDatetime, pyRepr } from './python.js';

/** Options of {@link udpLocalServer}. */
export type UdpLocalServerOptions = Pick<
  LengthServerOptions,
  'host' | 'port' | 'holdMs' | 'lang' | 'log' | 'socket' | 'reusePort' | 'capture'
>;

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
  return lengthServer(options);
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
  /**
   * Which datagrams may be the reply, given the server's address (default: any datagram, from
   * anyone, as the course's client). {@link hardenedClient} accepts only the server's.
   */
  readonly acceptReplies?: (server: Endpoint) => MonoTypeOperatorFunction<Datagram>;
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
    acceptReplies = () => identity,
    log = defaultLog,
  } = options;
  const say = messages(options.lang).udpLocal;
  const server = endpoint(host, port);
  const request = `Mensagem para o servidor: Hora atual ${pyDatetime(options.now?.() ?? new Date())}`;
  return bindUdp({ address: bindAddress, port: 0, ...captureOf(options) }).pipe(
    switchMap((socket) => {
      const send = socket.send(encodeString(request, 'ascii'), server).pipe(
        tap({
          complete: () => {
            log(say.clientName(pyAddress(socket.local)));
            options.onSent?.(socket.local);
          },
        }),
      );
      return firstReply(send, socket.datagrams.pipe(acceptReplies(server))).pipe(
        timeout({ first: timeoutMs, with: () => throwError(() => noAnswer(server, timeoutMs)) }),
        map(({ data, remote }) => {
          const reply = asciiText(data);
          log(say.reply(pyAddress(remote), pyRepr(reply)));
          return { local: socket.local, from: remote, request, reply };
        }),
      );
    }),
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
