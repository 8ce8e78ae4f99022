import { type DatagramSocket, type Endpoint, isPortaError } from '@porta/core';
import { catchError, concat, ignoreElements, isObservable, mergeMap, type Observable, of } from 'rxjs';
import { decodePortaMessage, type PortaMessage, replyTo } from './portaMessage.js';

/**
 * Answers one porta request: return the reply payload, `undefined` for no reply (the course's
 * "pretend to drop it"), or an Observable of replies (sent as they come: a slow server, or several).
 */
export type RequestHandler = (
  payload: Uint8Array,
  from: Endpoint,
  request: PortaMessage,
) => Uint8Array | undefined | Observable<Uint8Array>;

/** What {@link serveRequests} did with one inbound datagram. */
export type ServeRequestsEvent =
  | { readonly type: 'answered'; readonly remote: Endpoint; readonly id: bigint; readonly attempt: number }
  | { readonly type: 'unanswered'; readonly remote: Endpoint; readonly id: bigint; readonly attempt: number }
  /**
   * A reply the socket refused to send (a request spoofed from port 0, a reply too large for one
   * datagram, …): reported, and the server goes on, as it does for a stranger's bytes.
   */
  | {
      readonly type: 'unsent';
      readonly remote: Endpoint;
      readonly id: bigint;
      readonly attempt: number;
      readonly error: unknown;
    }
  | {
      readonly type: 'malformed';
      readonly remote: Endpoint;
      readonly bytes: number;
      readonly reason: string;
    };

/**
 * The old name of {@link ServeRequestsEvent}, renamed so that it no longer reads as core's
 * `ServerEvent` (the events of `serve`).
 *
 * @deprecated Use {@link ServeRequestsEvent}; this alias will be removed in a later 0.x release.
 */
export type ServeEvent = ServeRequestsEvent;

/**
 * The server side of porta's request/response protocol: decodes every request arriving on
 * `socket`, passes its payload to `handler`, and sends each reply back to the sender with the
 * request's id and attempt echoed. Datagrams that are not porta requests are counted as
 * `malformed` events and otherwise ignored — a server never stops for a stranger's bytes.
 *
 * Runs while subscribed; emits one {@link ServeRequestsEvent} per datagram handled.
 *
 * @example
 * ```ts
 * bindUdp({ port: 1060 }).pipe(
 *   switchMap((socket) => serveRequests(socket, (payload) => encodeString(`${payload.length} bytes`, 'ascii'))),
 * ).subscribe();
 * ```
 */
export function serveRequests(
  socket: DatagramSocket,
  handler: RequestHandler,
): Observable<ServeRequestsEvent> {
  return socket.datagrams.pipe(
    mergeMap((datagram): Observable<ServeRequestsEvent> => {
      let request: PortaMessage;
      try {
        request = decodePortaMessage(datagram.data);
        if (request.kind !== 'request') throw new Error('a reply, not a request');
      } catch (error) {
        const reason = isPortaError(error) || error instanceof Error ? error.message : String(error);
        return of({ type: 'malformed', remote: datagram.remote, bytes: datagram.data.length, reason });
      }
      const facts = { remote: datagram.remote, id: request.id, attempt: request.attempt };
      const answer = handler(request.payload, datagram.remote, request);
      if (answer === undefined) return of({ type: 'unanswered', ...facts });
      const replies = isObservable(answer) ? answer : of(answer);
      const answered: ServeRequestsEvent = { type: 'answered', ...facts };
      return replies.pipe(
        mergeMap((payload) =>
          concat(
            socket.send(replyTo(request, payload), datagram.remote).pipe(ignoreElements()),
            of(answered),
          ).pipe(catchError((error: unknown) => of<ServeRequestsEvent>({ type: 'unsent', ...facts, error }))),
        ),
      );
    }),
  );
}
