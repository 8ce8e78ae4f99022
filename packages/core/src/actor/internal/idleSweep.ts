import type { SchedulerLike, Subscription } from 'rxjs';

/** What an {@link IdleSweep} tracks: an actor, with fields the sweep owns. */
export interface IdleEntry {
  /** When it became idle (scheduler time); owned by the sweep. */
  idleSince: number;
  /** In the sweep's list; owned by the sweep. */
  idleListed: boolean;
  idlePrev: IdleEntry | undefined;
  idleNext: IdleEntry | undefined;
  /** Called once it has been idle for the timeout. */
  idleExpired(): void;
}

/**
 * The idle timeout of a server's actors with one timer for all of them: an actor that becomes idle is
 * stamped and appended to a list (in the order they became idle, which, with one timeout, is the order
 * they expire); one that gets busy again is unlinked. Neither touches a timer, so a busy actor's
 * message costs a few pointer writes instead of cancelling and re-arming a timer. The one timer is
 * armed for the oldest entry's deadline; when it fires, it retires every entry whose deadline has come
 * and re-arms for the next. It fires at exactly those deadlines (an entry that left the list early
 * makes it fire once for nothing and re-arm).
 */
export class IdleSweep {
  readonly #scheduler: SchedulerLike;
  readonly #idleMs: number;
  #head: IdleEntry | undefined;
  #tail: IdleEntry | undefined;
  #timer: Subscription | undefined;
  /** The deadline the timer is armed for. */
  #armedFor = 0;

  constructor(scheduler: SchedulerLike, idleMs: number) {
    this.#scheduler = scheduler;
    this.#idleMs = idleMs;
  }

  /** `entry` became idle now (a no-op when it already is). */
  idle(entry: IdleEntry): void {
    if (entry.idleListed) return;
    entry.idleListed = true;
    entry.idleSince = this.#scheduler.now();
    entry.idlePrev = this.#tail;
    entry.idleNext = undefined;
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.idleNext = entry;
    this.#tail = entry;
    if (this.#timer === undefined) this.#arm(entry.idleSince + this.#idleMs);
  }

  /** `entry` is busy (or closed): it leaves the list (a no-op when it is not in it). */
  busy(entry: IdleEntry): void {
    if (!entry.idleListed) return;
    entry.idleListed = false;
    const { idlePrev, idleNext } = entry;
    if (idlePrev === undefined) this.#head = idleNext;
    else idlePrev.idleNext = idleNext;
    if (idleNext === undefined) this.#tail = idlePrev;
    else idleNext.idlePrev = idlePrev;
    entry.idlePrev = undefined;
    entry.idleNext = undefined;
  }

  /** Server shutdown: the timer goes (entries are released by their actors). */
  dispose(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#head = undefined;
    this.#tail = undefined;
  }

  #arm(deadline: number): void {
    this.#armedFor = deadline;
    const delay = Math.max(0, deadline - this.#scheduler.now());
    this.#timer = this.#scheduler.schedule(() => this.#sweep(), delay);
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = Math.max(this.#scheduler.now(), this.#armedFor);
    for (let e = this.#head; e !== undefined && e.idleSince + this.#idleMs <= now; e = this.#head) {
      this.busy(e);
      e.idleExpired();
    }
    // An entry's callback may have armed the timer already (an actor that went idle meanwhile).
    const head = this.#head;
    if (head !== undefined && this.#timer === undefined) this.#arm(head.idleSince + this.#idleMs);
  }
}
