import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { abortable, assertSignal } from '../abort.js';
import { portaChannels, type ServeEventMessage } from '../diagnostics/portaChannels.js';
import type { Endpoint } from '../endpoint.js';
import { InvalidArgumentError } from '../errors.js';
import { handlesReleased } from '../handlesReleased.js';
import { checkDurationMs, checkPositiveInteger } from '../optionChecks.js';
import type { TransportPlugin } from '../plugin.js';
import { Actor, type ActorHost, type EventBody } from './internal/actor.js';
import { IdleSweep } from './internal/idleSweep.js';
import { StatsCounter } from './internal/stats.js';
import { Mailbox, type MailboxOptions } from './mailbox.js';
import type { Behaviour } from './peer.js';
import type { ServerEvent, ServerHandle, ServerStats } from './serverEvent.js';
import { resolveSupervision, type SupervisionOptions, type SupervisionStrategy } from './supervision.js';

const DEFAULT_MAX_ACTORS = 1024;
const DEFAULT_MAX_PENDING_REPLY_BYTES = 128 * 1024;

const serveChannel = portaChannels.serveEvent;

/** The `porta:serve:event` message: the event, the transport, the listening address and the peer's. */
function serveMessage(transport: string, local: Endpoint | undefined, event: ServerEvent): ServeEventMessage {
  const peer = 'peer' in event ? event.peer : undefined;
  const remote = peer?.remote ?? ('remote' in event ? event.remote : undefined);
  return {
    transport,
    ...(local === undefined ? {} : { local }),
    ...(remote === undefined ? {} : { remote }),
    event,
  };
}

/**
 * How a server runs its actors. Every field is optional.
 *
 * @example
 * ```ts
 * const options: ServeOptions = {
 *   mailbox: { capacity: 64, overflow: 'drop-oldest' },
 *   supervision: { strategy: 'restart', maxRestarts: 3, withinMs: 10_000 },
 *   maxActors: 1_000,
 *   idleTimeoutMs: 30_000,
 *   maxPendingReplies: 256,
 * };
 * ```
 */
export interface ServeOptions {
  /** Bounds and overflow strategy of every actor's mailbox. See {@link MailboxOptions}. */
  readonly mailbox?: MailboxOptions;
  /** What happens when a behaviour fails. Default `stop`. See {@link SupervisionStrategy}. */
  readonly supervision?: SupervisionStrategy | SupervisionOptions;
  /**
   * Most actors alive at once. A peer beyond it is rejected (its link closed, a `rejected` event with
   * reason `max-actors`); its slot is free again as soon as an actor closes. Default 1024, which with
   * the byte bounds of mailboxes and reply queues keeps a server's queues under 256 MiB whatever the
   * peers send (`docs/actors.md`). `Infinity` for no limit.
   */
  readonly maxActors?: number;
  /**
   * Retires an actor that had nothing to do for this long: no inbound message arrived, none waits in
   * its mailbox, no reply is being sent and no `peer.handle` function is running. Its link is closed
   * (`idle` then `closed` events). Default: never.
   */
  readonly idleTimeoutMs?: number;
  /**
   * Most replies of one actor emitted by its behaviour and not yet sent: queued behind the link, plus
   * the one whose send is in flight. A behaviour answering messages never gets near it (no message is
   * delivered while a reply waits), but one that emits on its own (a timer, a broadcast) to a peer
   * that does not read would otherwise queue without bound. The reply that would exceed it is refused
   * (counted in `stats.unsent`) and the actor fails with `MailboxOverflowError` (`MAILBOX_OVERFLOW`,
   * message `reply queue full: …`), handled by `supervision` like any failure: `stop` closes it;
   * `restart` keeps the queued replies, so a run that goes on emitting fails again until
   * `maxRestarts` stops it. An integer ≥ 1, or `Infinity` for no bound. Default 1024.
   */
  readonly maxPendingReplies?: number;
  /**
   * Most bytes of those replies (the sum of their `byteLength`). The reply that would pass it is
   * refused and fails the actor exactly as one past `maxPendingReplies` does (`reply queue full: …
   * maxPendingReplyBytes`). An empty queue takes any one reply, so a reply larger than the bound is
   * still sent. An integer ≥ 1, or `Infinity`. Default 128 KiB (see `docs/actors.md`, the memory
   * ceiling).
   */
  readonly maxPendingReplyBytes?: number;
  /** Clock and timers (idle timeout, restart window). Default `asyncScheduler`; tests pass a virtual one. */
  readonly scheduler?: SchedulerLike;
  /**
   * Aborting it stops the server as unsubscribing does, and the event stream errors with
   * `AbortError` (`ABORT_ERR`); already aborted, the transport is never opened.
   */
  readonly signal?: AbortSignal;
}

/**
 * Runs a server: every peer the transport produces gets an actor running `behaviour`, with a bounded
 * mailbox, supervision and an idle timer. The returned Observable is the server's event stream.
 *
 * Subscribing opens the transport (SOCKET + BIND/LISTEN) and starts serving; unsubscribing closes
 * every actor, link and timer, then the transport. The stream errors only when the transport does
 * (e.g. `ADDRESS_IN_USE`); a failing actor is reported as events and never ends the server. When the
 * transport completes, the server stops accepting and completes once its last actor has closed.
 *
 * @example
 * ```ts
 * const echo: Behaviour = (peer) => peer.messages;
 * const server = serve(udpTransport({ port: 0 }), echo, { idleTimeoutMs: 60_000 }).subscribe((event) => {
 *   if (event.type === 'listening') console.log('listening on', event.local.port);
 * });
 * // later: server.unsubscribe();
 * ```
 * @throws {@link InvalidArgumentError} at call time for invalid options (before any socket is made).
 */
export function serve(
  transport: TransportPlugin,
  behaviour: Behaviour,
  options: ServeOptions = {},
): Observable<ServerEvent> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const supervision = resolveSupervision(options.supervision);
  const mailbox = options.mailbox ?? {};
  new Mailbox(mailbox); // validates the bounds now rather than at the first peer
  const infinity = { infinity: true };
  const maxActors = checkPositiveInteger(options.maxActors ?? DEFAULT_MAX_ACTORS, 'maxActors', infinity);
  const maxPendingReplies = checkPositiveInteger(
    options.maxPendingReplies ?? 1024,
    'maxPendingReplies',
    infinity,
  );
  const maxPendingReplyBytes = checkPositiveInteger(
    options.maxPendingReplyBytes ?? DEFAULT_MAX_PENDING_REPLY_BYTES,
    'maxPendingReplyBytes',
    infinity,
  );
  const idleTimeoutMs = options.idleTimeoutMs;
  if (idleTimeoutMs !== undefined) checkDurationMs(idleTimeoutMs, 'idleTimeoutMs');
  if (options.signal !== undefined) assertSignal(options.signal);

  const server = new Observable<ServerEvent>((subscriber) => {
    const stats = new StatsCounter();
    const actors = new Set<Actor>();
    let accepting = true;
    let local: Endpoint | undefined;

    const host: ActorHost = {
      scheduler,
      stats,
      supervision,
      mailbox,
      idleTimeoutMs,
      idleSweep: idleTimeoutMs === undefined ? undefined : new IdleSweep(scheduler, idleTimeoutMs),
      maxPendingReplies,
      maxPendingReplyBytes,
      emit: (body: EventBody) => {
        if (subscriber.closed) return;
        // Every body is a fresh literal made for this call: it becomes the event in place (a copy
        // per event was a measurable share of accepting a connection).
        const stamped = body as EventBody & { stats?: ServerStats; at?: number };
        stamped.stats = stats.snapshot();
        stamped.at = scheduler.now();
        const event = stamped as ServerEvent;
        if (event.type === 'listening') local = event.local;
        if (serveChannel.hasSubscribers) serveChannel.publish(serveMessage(transport.name, local, event));
        subscriber.next(event);
      },
      released: (actor) => {
        actors.delete(actor);
      },
      settled: () => {
        if (!accepting && actors.size === 0) subscriber.complete();
      },
    };

    // Assigned right below; close() can only be called once `listening` has handed out the handle.
    let transportSub: Subscription | undefined;
    const close = (): Promise<void> => {
      if (!subscriber.closed) {
        disposeAll();
        transportSub?.unsubscribe();
        subscriber.complete();
      }
      return handlesReleased();
    };
    const handle: ServerHandle = {
      stats: () => stats.snapshot(),
      peers: () => [...actors].map((actor) => actor.info),
      close,
      [Symbol.asyncDispose]: close,
    };

    transportSub = transport.open().subscribe({
      next: (event) => {
        switch (event.type) {
          case 'listening':
            host.emit({ type: 'listening', local: event.local, transport: transport.name, server: handle });
            return;
          case 'rejected': {
            stats.rejected++;
            const { reason, remote, bytes } = event;
            host.emit({
              type: 'rejected',
              by: 'transport',
              reason,
              ...(remote === undefined ? {} : { remote }),
              ...(bytes === undefined ? {} : { bytes }),
            });
            return;
          }
          case 'peer': {
            const link = event.link;
            if (subscriber.closed) {
              link.close();
              return;
            }
            if (actors.size >= maxActors) {
              link.close();
              stats.rejected++;
              host.emit({
                type: 'rejected',
                by: 'server',
                reason: 'max-actors',
                remote: link.remote,
                peer: { id: link.id, local: link.local, remote: link.remote, transport: transport.name },
              });
              return;
            }
            const actor = new Actor(link, transport.name, behaviour, host);
            actors.add(actor);
            stats.opened++;
            stats.active++;
            actor.start();
            return;
          }
        }
      },
      error: (error: unknown) => {
        disposeAll();
        subscriber.error(error);
      },
      complete: () => {
        accepting = false;
        if (actors.size === 0) subscriber.complete();
      },
    });

    function disposeAll(): void {
      for (const actor of actors) actor.dispose();
      actors.clear();
      host.idleSweep?.dispose();
    }

    return () => {
      disposeAll();
      transportSub.unsubscribe();
    };
  });
  return options.signal === undefined ? server : server.pipe(abortable(options.signal, 'serve'));
}
