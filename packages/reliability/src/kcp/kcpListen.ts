import { type DatagramSocket, type Endpoint, originKey } from '@porta/core';
import { checkPositiveInteger } from '@porta/core/transport';
import { Observable } from 'rxjs';
import { kcpTransmit } from './internal/kcpTransmit.js';
import { decodeKcpSegments } from './kcpSegment.js';
import { KcpSession, sessionPipeline } from './kcpSession.js';
import { type KcpSessionOptions, resolveKcpOptions } from './kcpSessionOptions.js';

/**
 * Why {@link kcpListen} dropped a datagram before any session saw it: it failed the packet layer
 * or held no well-formed segment; the session table was full; or (with FEC) it was a parity shard
 * from an endpoint with no session yet, which kcp-go ignores too.
 */
export type KcpDropReason = 'malformed' | 'session-limit' | 'parity-only';

/**
 * Options of {@link kcpListen}.
 *
 * @example
 * ```ts
 * kcpListen(socket, { maxSessions: 64, onDrop: (reason, remote) => console.warn(reason, remote) });
 * ```
 */
export interface KcpListenOptions extends KcpSessionOptions {
  /** Sessions at once; a datagram that would open one more is dropped. Default 1024. */
  readonly maxSessions?: number;
  /** Told of every datagram dropped before reaching a session (counted, never silent). */
  readonly onDrop?: (reason: KcpDropReason, remote: Endpoint, bytes: number) => void;
}

/**
 * Accepts KCP sessions on a bound socket, as kcp-go's `Listener` does: the first well-formed
 * packet from a new remote endpoint opens a session with that packet's conv, and every later
 * datagram from that endpoint goes to it (one with another conv is dropped and counted by the
 * session — kcp-go would replace the session when such a packet has sn 0; porta does not let a
 * stray packet end a live session). The table is bounded by `maxSessions`; a session leaves it when
 * it ends (close, dead link, silence), so a flood of new convs costs at most `maxSessions` sessions
 * for `silenceTimeoutMs`.
 *
 * Emits each new session; unsubscribing closes every session it emitted.
 *
 * @throws {@link @porta/core!InvalidArgumentError} (at call time) for a bad option.
 * @example
 * ```ts
 * bindUdp({ port: 29900 }).pipe(
 *   switchMap((socket) => kcpListen(socket)),
 *   mergeMap((session) => session.bytes.pipe(mergeMap((chunk) => session.send(chunk)))),
 * ).subscribe();
 * ```
 */
export function kcpListen(socket: DatagramSocket, options: KcpListenOptions = {}): Observable<KcpSession> {
  const resolved = resolveKcpOptions(options);
  const maxSessions = checkPositiveInteger(options.maxSessions ?? 1024, 'maxSessions');
  const onDrop = options.onDrop;
  return new Observable<KcpSession>((subscriber) => {
    const sessions = new Map<string, KcpSession>();
    // The socket hands out one Endpoint object per remote: the last one's session is found without
    // building its key (a bulk transfer is thousands of datagrams a second from one remote).
    let last: { remote: Endpoint; session: KcpSession } | undefined;
    const input = socket.datagrams.subscribe({
      next: ({ data, remote }) => {
        if (last?.remote === remote) {
          last.session.input(data);
          return;
        }
        const key = originKey(remote);
        const known = sessions.get(key);
        if (known) {
          last = { remote, session: known };
          known.input(data);
          return;
        }
        if (sessions.size >= maxSessions) {
          onDrop?.('session-limit', remote, data.length);
          return;
        }
        // The new session's own pipeline opens its first datagram (FEC keeps what it saw).
        const pipeline = sessionPipeline(resolved);
        const packets: Uint8Array[] = [];
        let conv: number | undefined;
        try {
          pipeline.open(data, (p) => packets.push(p));
          if (packets.length > 0) conv = decodeKcpSegments(packets[0] as Uint8Array)[0]?.conv;
        } catch {
          conv = undefined;
        }
        if (conv === undefined) {
          onDrop?.(
            packets.length === 0 && pipeline.stats.fecParityShards > 0 ? 'parity-only' : 'malformed',
            remote,
            data.length,
          );
          return;
        }
        const session = new KcpSession(
          conv,
          {
            local: socket.local,
            remote,
            transmit: kcpTransmit(socket, remote),
            closed: (s) => {
              if (sessions.get(key) === s) sessions.delete(key);
              if (last?.session === s) last = undefined;
            },
          },
          resolved,
          pipeline,
        );
        sessions.set(key, session);
        subscriber.next(session);
        session.inputPackets(packets);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      input.unsubscribe();
      for (const s of [...sessions.values()]) s.close();
      sessions.clear();
    };
  });
}
