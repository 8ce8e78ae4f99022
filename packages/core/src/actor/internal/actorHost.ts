import type { SchedulerLike } from 'rxjs';
import type { MailboxOptions } from '../mailbox.js';
import type { ServerEvent } from '../serverEvent.js';
import type { ResolvedSupervision } from '../supervision.js';
import type { Actor } from './actor.js';
import type { IdleSweep } from './idleSweep.js';
import type { StatsCounter } from './stats.js';

/** An event as an actor reports it; the server adds `stats` and `at`. */
export type EventBody = ServerEvent extends infer E
  ? E extends ServerEvent
    ? Omit<E, 'stats' | 'at'>
    : never
  : never;

/** What an actor needs from its server. */
export interface ActorHost {
  readonly scheduler: SchedulerLike;
  readonly stats: StatsCounter;
  readonly supervision: ResolvedSupervision;
  readonly mailbox: MailboxOptions;
  readonly idleTimeoutMs: number | undefined;
  /** The one timer of every actor's idle timeout; present exactly when `idleTimeoutMs` is. */
  readonly idleSweep: IdleSweep | undefined;
  /** Most replies emitted and not yet sent (queued plus the one in flight); see `ServeOptions`. */
  readonly maxPendingReplies: number;
  /** Most bytes of those replies; see `ServeOptions.maxPendingReplyBytes`. */
  readonly maxPendingReplyBytes: number;
  emit(event: EventBody): void;
  /** Called once when the actor has closed, before its `closed` event: frees its slot. */
  released(actor: Actor): void;
  /** Called after the `closed` event: the server may now complete if it no longer accepts peers. */
  settled(): void;
}
