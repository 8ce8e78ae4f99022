import { first, ignoreElements, merge, type Observable } from 'rxjs';

/**
 * One request/reply exchange, the course's `sendto` then `recvfrom`: listens to `replies`, sends,
 * and emits the first reply. Listening starts before the request leaves, so a quick reply is never
 * missed; subscribing again sends again (what `retryBackoff` does on each attempt).
 *
 * @example
 * ```ts
 * firstReply(socket.send(request, server), socket.datagrams).pipe(retryBackoff());
 * ```
 */
export function firstReply<T>(send: Observable<void>, replies: Observable<T>): Observable<T> {
  return merge(replies, send.pipe(ignoreElements())).pipe(first());
}
