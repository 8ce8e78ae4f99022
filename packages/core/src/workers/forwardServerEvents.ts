import cluster from 'node:cluster';
import { Observable, type OperatorFunction } from 'rxjs';
import type { PeerInfo, ServerEvent, ServerStats } from '../actor/serverEvent.js';

/**
 * A worker's {@link ServerEvent} as the primary receives it: plain data (IPC carries no handles or
 * error classes), with the totals the worker's server had right after it.
 *
 * @example
 * ```ts
 * declare const pool: WorkerPool;
 * pool.serverEvents.subscribe(({ index, event }) => console.log(index, event.type, event.peer?.id));
 * ```
 */
export interface ForwardedServerEvent {
  readonly type: ServerEvent['type'];
  /** The worker's `scheduler.now()` when it happened. */
  readonly at: number;
  /** The worker's server totals right after the event. */
  readonly stats: ServerStats;
  readonly peer?: PeerInfo;
  /** `closed`: why; `rejected`: the reason given. */
  readonly reason?: string;
  /** `failed`, `resumed`, `closed` after an error: the error's message. */
  readonly error?: string;
}

/** The IPC message {@link forwardServerEvents} sends; the pool consumes it. */
export interface ServerEventMessage {
  readonly porta: 'server-event';
  readonly event: ForwardedServerEvent;
}

/** @internal True for a {@link ServerEventMessage}. */
export function isServerEventMessage(message: unknown): message is ServerEventMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { porta?: unknown }).porta === 'server-event' &&
    typeof (message as { event?: unknown }).event === 'object'
  );
}

/**
 * Options of {@link forwardServerEvents}.
 *
 * @example
 * ```ts
 * declare const transport: TransportPlugin;
 * serve(transport, (peer) => peer.messages).pipe(forwardServerEvents({ types: ['failed', 'rejected'] }));
 * ```
 */
export interface ForwardServerEventsOptions {
  /**
   * Which event types to forward (default all). The totals travel with every forwarded event, so
   * forwarding fewer types makes `pool.stats()` lag until the next one.
   */
  readonly types?: readonly ServerEvent['type'][];
}

/**
 * In a pool's worker, sends each event of a `serve` server to the primary, which republishes it on
 * `pool.serverEvents` with the worker's index and keeps the worker's latest totals for
 * `pool.stats()`. The events pass through unchanged; outside a pool nothing is sent. Totals move
 * with events (a peer opening, closing, failing), not with every message; and a server that is
 * unsubscribed emits nothing more, so as the worker drains, send its final totals with
 * `reportStats(handle.stats())`.
 *
 * @example
 * ```ts
 * import { udpTransport } from '@porta/udp';
 * let handle: ServerHandle | undefined;
 * const server = serve(udpTransport({ port: 1060, reusePort: true }), (peer) => peer.messages)
 *   .pipe(forwardServerEvents())
 *   .subscribe((e) => e.type === 'listening' && (handle = e.server));
 * onShutdown(() => {
 *   server.unsubscribe();
 *   void reportStats({ ...handle?.stats() }).then(() => process.exit(0));
 * });
 * ```
 */
export function forwardServerEvents(
  options: ForwardServerEventsOptions = {},
): OperatorFunction<ServerEvent, ServerEvent> {
  const wanted = options.types === undefined ? undefined : new Set(options.types);
  return (source) =>
    new Observable<ServerEvent>((subscriber) =>
      source.subscribe({
        next: (event) => {
          if (!cluster.isPrimary && process.send !== undefined && (wanted?.has(event.type) ?? true)) {
            process.send({ porta: 'server-event', event: plain(event) } satisfies ServerEventMessage);
          }
          subscriber.next(event);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

function plain(event: ServerEvent): ForwardedServerEvent {
  const peer = 'peer' in event && event.peer !== undefined ? { peer: event.peer } : {};
  const reason = 'reason' in event ? { reason: String(event.reason) } : {};
  const error =
    'error' in event && event.error !== undefined
      ? { error: event.error instanceof Error ? event.error.message : String(event.error) }
      : {};
  return { type: event.type, at: event.at, stats: event.stats, ...peer, ...reason, ...error };
}
