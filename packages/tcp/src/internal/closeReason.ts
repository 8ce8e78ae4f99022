/**
 * Why a connection was closed by its owner rather than by a `close()` call or the peer: the
 * subscription that made it (`connectTcp`, `listenTcp`) ended. A send after that says so in its
 * `SOCKET_CLOSED` message, since "closed" alone puzzles someone who never called `close()` —
 * typically after `firstValueFrom(connectTcp(…))`, which unsubscribes once it has the connection.
 * A WeakMap, so the connection's public shape does not grow an internal field.
 */
const reasons = new WeakMap<object, string>();

/** Records that `owner`'s subscription ended; the caller then closes `conn`. The first reason stays. */
export function markOwnerEnded(conn: object, owner: 'connectTcp' | 'listenTcp'): void {
  if (!reasons.has(conn)) {
    reasons.set(
      conn,
      `its ${owner} subscription ended (unsubscribing is CLOSE; firstValueFrom and take(1) ` +
        `unsubscribe once they have the connection: keep the subscription open, or use ` +
        `${owner === 'connectTcp' ? 'openTcpConnection' : 'openTcpListener'} for a promise that keeps it)`,
    );
  }
}

/** The owner-ended reason recorded for `conn`, if any. */
export function closeReasonOf(conn: object): string | undefined {
  return reasons.get(conn);
}
