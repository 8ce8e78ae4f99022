import type { Endpoint } from '@porta/core';
import { EMPTY, mergeMap, type Observable, take } from 'rxjs';

/**
 * Runs `use` against a server while keeping the server subscribed (so listening), then stops the
 * server once `use` has emitted its one result. The server stream must announce itself with a
 * `listening` event carrying its bound address, as every example server does.
 *
 * @example
 * ```ts
 * withServer(udpLocalServer({ port: 0 }), (server) => udpLocalClient({ port: server.port }));
 * ```
 */
export function withServer<E extends { readonly type: string }, R>(
  server: Observable<E>,
  use: (local: Endpoint) => Observable<R>,
): Observable<R> {
  return server.pipe(
    mergeMap((event) => (isListening(event) ? use(event.local) : EMPTY)),
    take(1),
  );
}

function isListening(event: {
  readonly type: string;
}): event is { readonly type: 'listening'; readonly local: Endpoint } {
  return event.type === 'listening' && 'local' in event;
}
