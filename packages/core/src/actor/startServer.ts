import { type Observable, Subject } from 'rxjs';
import type { Endpoint } from '../endpoint.js';
import { SocketClosedError } from '../errors.js';
import type { TransportPlugin } from '../plugin.js';
import type { Behaviour } from './peer.js';
import { type ServeOptions, serve } from './serve.js';
import type { ServerEvent, ServerHandle } from './serverEvent.js';

/**
 * A server started by {@link startServer}: the live {@link ServerHandle} (stats, peers, `close()`,
 * `await using`), the address it listens on, and its events from here on.
 *
 * @example
 * ```ts
 * await using server = await startServer(udpTransport({ port: 0 }), echo);
 * server.events.subscribe((e) => e.type === 'failed' && console.error(e.error));
 * ```
 */
export interface RunningServer extends ServerHandle {
  /** Where the transport listens (with the real port when asked for port 0). */
  readonly local: Endpoint;
  /** The transport's name (`udp`, `tcp`, …). */
  readonly transport: string;
  /**
   * The server's events after `listening` (hot: each subscriber sees what happens while it is
   * subscribed). Completes when the server stops; errors if the transport fails.
   */
  readonly events: Observable<ServerEvent>;
}

/**
 * The promise form of {@link serve}: starts the server and resolves once the transport listens,
 * with a handle whose lifetime is the server's — it runs until `close()`, `await using`, or
 * `options.signal` — rather than a subscription. Rejects with the transport's error if it fails to
 * open (`ADDRESS_IN_USE`, `ABORT_ERR`, …), and throws `INVALID_ARGUMENT` for bad options as `serve`
 * does.
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * const echo: Behaviour = (peer) => peer.messages;
 * await using server = await startServer(tcpTransport({ port: 0 }), echo, { maxActors: 100 });
 * console.log('echo on port', server.local.port);
 * await once(process, 'SIGTERM'); // leaving the block closes the server
 * ```
 */
export function startServer(
  transport: TransportPlugin,
  behaviour: Behaviour,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const events$ = serve(transport, behaviour, options);
  return new Promise<RunningServer>((resolve, reject) => {
    const events = new Subject<ServerEvent>();
    let started = false;
    events$.subscribe({
      next: (event) => {
        if (!started && event.type === 'listening') {
          started = true;
          const { server, local } = event;
          resolve({
            local,
            transport: event.transport,
            events: events.asObservable(),
            stats: () => server.stats(),
            peers: () => server.peers(),
            close: () => server.close(),
            [Symbol.asyncDispose]: () => server.close(),
          });
          return;
        }
        events.next(event);
      },
      error: (error: unknown) => {
        if (started) events.error(error);
        else reject(error);
      },
      complete: () => {
        events.complete();
        if (!started)
          reject(new SocketClosedError(`the ${transport.name} transport completed before it listened`));
      },
    });
  });
}
