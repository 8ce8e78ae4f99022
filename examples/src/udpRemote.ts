import { type Endpoint, encodeString, endpoint, isPortaError } from '@porta/core';
import { requester } from '@porta/reliability';
import { connectUdp } from '@porta/udp';
import {
  catchError,
  map,
  merge,
  type Observable,
  Subject,
  startWith,
  switchMap,
  takeWhile,
  tap,
  throwError,
} from 'rxjs';
import { asciiText } from './ascii.js';
import { captureOf } from './captureOf.js';
import { type LengthServerEvent, type LengthServerOptions, lengthServer } from './lengthServer.js';
import { defaultLog, type ExampleOptions, messages } from './messages.js';
import { pyAddress, pyRepr, pySeconds, pythonRandom } from './python.js';

/** The client's request, as the course's `udp_remote.py` sends it. */
export const REMOTE_REQUEST = 'Mensagem para o servidor: Estou enviando uma mensagem';

/** Options of {@link udpRemoteServer}. */
export interface UdpRemoteServerOptions
  extends Pick<LengthServerOptions, 'host' | 'port' | 'lang' | 'log' | 'socket' | 'reusePort' | 'capture'> {
  /**
   * Seed for the pretend drops. The draws are Python's own Mersenne Twister, so the same seed drops
   * the same requests as the course's `udp_remote.py --seed N`. Without a seed, drops are random.
   */
  readonly seed?: number;
  /** Probability of pretending to drop a request (default 0.5, as the course). */
  readonly dropRate?: number;
}

/**
 * The course's `udp_remote.py servidor`: answers requests with their length, but pretends to drop
 * about half of them (one draw per datagram, as the Python program).
 *
 * @example
 * ```ts
 * udpRemoteServer({ port: 0, seed: 7 }).subscribe((e) => console.log(e.type));
 * ```
 */
export function udpRemoteServer(options: UdpRemoteServerOptions = {}): Observable<LengthServerEvent> {
  const { seed, dropRate = 0.5, ...server } = options;
  const random = seed === undefined ? Math.random : pythonRandom(seed);
  return lengthServer({ ...server, showRequest: pyRepr, pretendLost: () => random() < dropRate });
}

/** What the backoff client did, step by step. The last event is `answered`; giving up is an error. */
export type UdpRemoteClientEvent =
  | { readonly type: 'connected'; readonly local: Endpoint; readonly remote: Endpoint }
  /** A request went out; the client now waits up to `waitMs` for the reply. */
  | { readonly type: 'sent'; readonly attempt: number; readonly waitMs: number }
  /** No reply within `waitMs`: the request (or its reply) is presumed lost. */
  | { readonly type: 'timeout'; readonly attempt: number; readonly waitMs: number }
  | { readonly type: 'answered'; readonly attempt: number; readonly reply: string; readonly local: Endpoint };

/** Options of {@link udpRemoteClient}. */
export interface UdpRemoteClientOptions extends ExampleOptions {
  /** Server host (default `127.0.0.1`). */
  readonly host?: string;
  /** Server port (default 1060). */
  readonly port?: number;
  /** First wait in ms (default 100: the course's 0.1 s). */
  readonly initialWaitMs?: number;
  /** Give up once the next wait would exceed this (default 2000: the course's 2.0 s). */
  readonly maxWaitMs?: number;
}

/**
 * The course's `udp_remote.py cliente`: a connected UDP socket that sends the request, waits 0.1 s,
 * and on silence sends again waiting twice as long (0.1, 0.2, 0.4, 0.8, 1.6 s); when the next wait
 * would pass 2 s it gives up with `SERVER_UNREACHABLE` — the course's "I think the server is down".
 * Every wait is an event, so a caller can draw the timeline.
 *
 * @example
 * ```ts
 * udpRemoteClient({ port: 1060 }).pipe(last()).subscribe((e) => console.log(e));
 * ```
 */
export function udpRemoteClient(options: UdpRemoteClientOptions = {}): Observable<UdpRemoteClientEvent> {
  const {
    host = '127.0.0.1',
    port = 1060,
    initialWaitMs = 100,
    maxWaitMs = 2000,
    log = defaultLog,
  } = options;
  const say = messages(options.lang).udpRemote;
  const server = endpoint(host, port);
  const request = encodeString(REMOTE_REQUEST, 'ascii');
  return connectUdp(server, captureOf(options)).pipe(
    tap((socket) => log(say.clientName(pyAddress(socket.local)))),
    switchMap((socket) => {
      const progress = new Subject<UdpRemoteClientEvent>();
      let attempts = 0;
      // The course's server knows nothing of porta: plain payloads, a reply matched by origin (which
      // the connected socket already guarantees), the course's waits.
      const client = requester(socket, {
        mode: 'plain',
        retry: {
          initialMs: initialWaitMs,
          maxWaitMs,
          onAttempt: ({ attempt: n, waitMs }) => {
            attempts = n;
            // A capture comments the retransmissions itself, from the requester's diagnostics.
            log(say.waiting(pySeconds(waitMs)));
            progress.next({ type: 'sent', attempt: n, waitMs });
          },
          onTimeout: ({ attempt: n, waitMs }) => progress.next({ type: 'timeout', attempt: n, waitMs }),
        },
      });
      const answer = client.request(request).pipe(
        map((data): UdpRemoteClientEvent => {
          const reply = asciiText(data);
          log(say.reply(pyRepr(reply)));
          return { type: 'answered', attempt: attempts, reply, local: socket.local };
        }),
        catchError((error: unknown) => {
          if (isPortaError(error, 'SERVER_UNREACHABLE')) log(say.down());
          return throwError(() => error);
        }),
      );
      return merge(progress, answer).pipe(
        startWith({ type: 'connected', local: socket.local, remote: socket.remote } as const),
      );
    }),
    // The socket lives as long as the subscription: stop (and close it) once answered.
    takeWhile((e) => e.type !== 'answered', true),
  );
}
