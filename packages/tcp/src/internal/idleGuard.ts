import type { SchedulerLike, Subscription } from 'rxjs';
import type { ConnectionCore } from './connectionCore.js';

/**
 * A connection's idle timeout: traffic only stamps a time ({@link IdleGuard.touch}); one timer
 * checks the deadline and re-arms itself for the time that remains, instead of a timer re-armed
 * per chunk (Netty's IdleStateHandler works the same way). Made only when a timeout is set.
 */
export class IdleGuard {
  readonly #scheduler: SchedulerLike;
  readonly #timeoutMs: number;
  readonly #flow: ConnectionCore;
  readonly #onIdle: (timeoutMs: number) => void;
  #lastActivity: number;
  #timer: Subscription | undefined;
  #stopped = false;

  constructor(
    scheduler: SchedulerLike,
    timeoutMs: number,
    flow: ConnectionCore,
    onIdle: (timeoutMs: number) => void,
  ) {
    this.#scheduler = scheduler;
    this.#timeoutMs = timeoutMs;
    this.#flow = flow;
    this.#onIdle = onIdle;
    this.#lastActivity = scheduler.now();
    this.#arm(timeoutMs);
  }

  /** Traffic in either direction: the peer is not idle now. */
  touch(): void {
    this.#lastActivity = this.#scheduler.now();
  }

  /** The connection closed: no more checks. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
  }

  #arm(delay: number): void {
    if (this.#stopped) return;
    this.#timer = this.#scheduler.schedule(() => {
      this.#timer = undefined;
      // Data waiting for our own consumer, or a socket we paused, is not the peer being idle.
      if (this.#flow.queuedBytes > 0 || this.#flow.held) this.touch();
      const idle = this.#scheduler.now() - this.#lastActivity;
      if (idle >= this.#timeoutMs) this.#onIdle(this.#timeoutMs);
      else this.#arm(this.#timeoutMs - idle);
    }, delay);
  }
}
