import {
  type Behaviour,
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  encodeString,
  serve,
} from '@porta/core';
import { udpTransport } from '@porta/udp';
import {
  catchError,
  concatMap,
  EMPTY,
  ignoreElements,
  map,
  Observable,
  of,
  startWith,
  switchMap,
  timer,
} from 'rxjs';
import { asciiText } from './ascii.js';
import { captureOf } from './captureOf.js';
import { defaultLog, type ExampleOptions, messages } from './messages.js';
import { pyAddress } from './python.js';

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

/** What the server makes of one datagram: an answer to send, or a drop. */
type Verdict = Extract<LengthServerEvent, { readonly type: 'answered' | 'dropped' }>;

/** Options of {@link answerLengths}. */
export interface AnswerLengthsOptions extends ExampleOptions {
  /**
   * Hold each reply this long before sending it (default 0). Stands in for the course's suspended
   * server (Ctrl+Z) in the promiscuous-client demonstration: the window in which a spoofer answers first.
   */
  readonly holdMs?: number;
  /** How the console shows a request: as it came (default, as `udp_local.py`) or e.g. `pyRepr` (`udp_remote.py`). */
  readonly showRequest?: (request: string) => string;
  /** Asked once per datagram, before reading it: `true` pretends the network lost it (default: never). */
  readonly pretendLost?: () => boolean;
}

/**
 * The course's server loop on a socket that is already bound, real or simulated: answers every
 * datagram with its length ({@link lengthReply}), one event per datagram, one at a time.
 *
 * @example
 * ```ts
 * net.bind({ address: '10.0.0.1', port: 1060 }).pipe(switchMap((socket) => answerLengths(socket)));
 * ```
 */
export function answerLengths(
  socket: DatagramSocket,
  options: AnswerLengthsOptions = {},
): Observable<LengthServerEvent> {
  const judge = lengthJudge(options);
  const { holdMs = 0, log = defaultLog } = options;
  const say = messages(options.lang).lengthServer;

  const answer = (datagram: Datagram): Observable<LengthServerEvent> => {
    const verdict = judge(datagram);
    if (verdict.type === 'dropped') return of(verdict);
    const { from: remote } = verdict;
    const send = socket.send(encodeString(verdict.reply, 'ascii'), remote);
    return (holdMs > 0 ? timer(holdMs).pipe(switchMap(() => send)) : send).pipe(
      ignoreElements(),
      startWith(verdict),
      // A reply the OS refuses (a spoofed source port 0, say) costs that one answer, not the server.
      catchError((err: Error) => {
        log(say.unsent(pyAddress(remote), err.message));
        return of({ type: 'dropped', from: remote, reason: `reply not sent: ${err.message}` } as const);
      }),
    );
  };

  return socket.datagrams.pipe(concatMap(answer));
}

/**
 * What the course's server makes of one datagram, logged as the course prints it: `answered` (with
 * the reply to send) or `dropped` (pretended lost, or not ASCII). Shared by {@link answerLengths}
 * (a loop on one socket) and {@link lengthServer} (an actor per client under `serve`).
 */
function lengthJudge(options: AnswerLengthsOptions): (datagram: Datagram) => Verdict {
  const { showRequest = (request) => request, pretendLost = () => false, log = defaultLog } = options;
  const say = messages(options.lang).lengthServer;
  return ({ data, remote }) => {
    if (pretendLost()) {
      options.capture?.comment(data, 'the server pretends the network lost it (no reply)');
      log(say.dropping(pyAddress(remote)));
      return { type: 'dropped', from: remote, reason: 'pretending the network lost it' };
    }
    let request: string;
    try {
      request = asciiText(data);
    } catch (err) {
      // Python's server dies of the UnicodeDecodeError; porta's says so and goes on.
      const reason = (err as Error).message;
      log(say.ignored(pyAddress(remote), reason));
      return { type: 'dropped', from: remote, reason };
    }
    log(say.received(pyAddress(remote), showRequest(request)));
    return { type: 'answered', from: remote, request, reply: lengthReply(data.length) };
  };
}

/**
 * The course's server as an actor per client (`serve` over `udpTransport`): each client's datagrams
 * are answered one at a time in its own mailbox, and every step is an event. A reply the OS refuses
 * fails that client's actor (the runtime counts it `unsent`); the next datagram from it gets a new one.
 */
function serveLengths(
  options: LengthServerOptions & { readonly host: string; readonly port: number },
): Observable<LengthServerEvent> {
  const { holdMs = 0, log = defaultLog } = options;
  const say = messages(options.lang).lengthServer;
  const judge = lengthJudge(options);
  const transport = udpTransport({
    address: options.host,
    port: options.port,
    ...(options.reusePort === true ? { reusePort: true } : {}),
    ...captureOf(options),
  });
  return new Observable<LengthServerEvent>((subscriber) => {
    const behaviour: Behaviour = (peer) =>
      peer.handle((data) => {
        const verdict = judge({ data, remote: peer.remote });
        subscriber.next(verdict);
        if (verdict.type === 'dropped') return EMPTY;
        const reply = encodeString(verdict.reply, 'ascii');
        return holdMs > 0 ? timer(holdMs).pipe(map(() => reply)) : of(reply);
      });
    return serve(transport, behaviour).subscribe({
      next: (event) => {
        if (event.type === 'listening') {
          log(say.listening(pyAddress(event.local)));
          subscriber.next({ type: 'listening', local: event.local });
        } else if (event.type === 'failed') {
          const message = event.error instanceof Error ? event.error.message : String(event.error);
          log(say.unsent(pyAddress(event.peer.remote), message));
          subscriber.next({ type: 'dropped', from: event.peer.remote, reason: `reply not sent: ${message}` });
        } else if (event.type === 'dropped') {
          subscriber.next({ type: 'dropped', from: event.peer.remote, reason: 'its mailbox was full' });
        }
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });
}

/** Options of {@link lengthServer}. */
export interface LengthServerOptions extends AnswerLengthsOptions {
  /** Interface to bind (default `127.0.0.1`, as the course; `0.0.0.0` for every interface). */
  readonly host?: string;
  /** UDP port (default 1060; 0 lets the OS choose). */
  readonly port?: number;
  /**
   * Serve on this socket instead of binding one (a worker's `dispatchedUdpSocket`, whose primary
   * owns the bound socket and has printed the listening line). Default: bind `host`:`port`.
   */
  readonly socket?: DatagramSocket;
  /**
   * Bind with `reusePort`, so the server's other processes can bind the same port and the kernel
   * keeps each client on one of them (Node ≥ 22.12; see `bindUdp`). Default false.
   */
  readonly reusePort?: boolean;
}

/**
 * The server of the course's `udp_local.py` and `udp_remote.py`: binds, then answers every datagram
 * with its length ({@link answerLengths}). Emits `listening` once with the bound address, then one
 * event per datagram; unsubscribe to close. {@link udpLocalServer} and {@link udpRemoteServer} are
 * this server with each program's console and drops.
 *
 * @example
 * ```ts
 * lengthServer({ port: 0, pretendLost: () => Math.random() < 0.5 }).subscribe((e) => console.log(e.type));
 * ```
 */
export function lengthServer(options: LengthServerOptions = {}): Observable<LengthServerEvent> {
  const { host = '127.0.0.1', port = 1060 } = options;
  if (options.socket !== undefined) return answerLengths(options.socket, options);
  return serveLengths({ ...options, host, port });
}
