import type { ServerStats } from '../serverEvent.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The server's mutable counters; events carry frozen snapshots of them. */
export class StatsCounter implements Mutable<ServerStats> {
  active = 0;
  opened = 0;
  closed = 0;
  failed = 0;
  restarted = 0;
  resumed = 0;
  dropped = 0;
  rejected = 0;
  idle = 0;
  paused = 0;
  undelivered = 0;
  unsent = 0;
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;

  /** Counts one actor closed with the messages it never delivered and the replies it never sent. */
  actorClosed(undelivered: number, unsent: number): void {
    this.active--;
    this.closed++;
    this.undelivered += undelivered;
    this.unsent += unsent;
  }

  snapshot(): ServerStats {
    // Spelled out rather than `{ ...this }`: a literal of fixed shape is built much faster than a
    // spread of a class instance, and this runs for every server event.
    return Object.freeze({
      active: this.active,
      opened: this.opened,
      closed: this.closed,
      failed: this.failed,
      restarted: this.restarted,
      resumed: this.resumed,
      dropped: this.dropped,
      rejected: this.rejected,
      idle: this.idle,
      paused: this.paused,
      undelivered: this.undelivered,
      unsent: this.unsent,
      messagesIn: this.messagesIn,
      bytesIn: this.bytesIn,
      messagesOut: this.messagesOut,
      bytesOut: this.bytesOut,
    });
  }
}
