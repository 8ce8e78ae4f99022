import type { KcpControlStats } from '../kcpControlOptions.js';
import type { KcpSegment } from '../kcpSegment.js';
import { kcpSeqDiff as diff } from './kcpSequence.js';

interface Received {
  readonly sn: number;
  readonly frg: number;
  readonly data: Uint8Array;
}

/**
 * The receive side of a KCP session: PUSH segments in, ACKs owed, bytes out in order. Segments
 * that arrive early wait in the receive buffer (sorted by sn, all inside the window); once in order
 * they move to the receive queue, which holds what the application has not read yet — so its free
 * space is the window advertised to the peer, and memory is bounded by twice the window whatever the
 * peer sends.
 */
export class KcpReceiver {
  readonly #window: number;
  readonly #streamMode: boolean;
  readonly #stats: KcpControlStats;
  #next = 0;
  /** Out-of-order segments, sorted by sn, all in [next, next + window). */
  readonly #buffer: Received[] = [];
  /** In-order segments the application has not read. */
  readonly #queue: Received[] = [];
  /** Pairs of (sn, ts) to acknowledge at the next flush. */
  #acks: number[] = [];

  constructor(window: number, streamMode: boolean, stats: KcpControlStats) {
    this.#window = window;
    this.#streamMode = streamMode;
    this.#stats = stats;
  }

  /** The next sequence number expected: every one below it arrived (what `una` tells the peer). */
  get next(): number {
    return this.#next;
  }

  /** Free receive window to advertise: slots the unread queue does not hold. */
  get freeWindow(): number {
    return Math.max(0, this.#window - this.#queue.length);
  }

  /** True while the unread queue fills the whole window. */
  get isFull(): boolean {
    return this.#queue.length >= this.#window;
  }

  /** Segments buffered (out of order plus unread); never above twice the window. */
  get bufferedSegments(): number {
    return this.#buffer.length + this.#queue.length;
  }

  /** Bytes (stream mode) ready for {@link KcpReceiver.receive}, or 0. */
  get readable(): number {
    let n = 0;
    for (const s of this.#queue) n += s.data.length;
    return n;
  }

  /** ACKs owed (each one a segment). */
  get pendingAcks(): number {
    return this.#acks.length / 2;
  }

  /** Takes the ACKs owed, as (sn, ts) pairs. */
  takeAcks(): number[] {
    const acks = this.#acks;
    this.#acks = [];
    return acks;
  }

  /**
   * Takes one PUSH segment: owes its ACK unless it lies beyond the window, and keeps its bytes
   * unless they are a duplicate.
   */
  push(seg: KcpSegment): void {
    const sn = seg.sn;
    if (diff(sn, this.#next + this.#window) >= 0) {
      this.#stats.duplicates++;
      return;
    }
    this.#acks.push(sn, seg.ts);
    if (diff(sn, this.#next) < 0) {
      this.#stats.duplicates++;
      return;
    }
    if (!this.#streamMode && seg.frg >= this.#window) {
      this.#stats.refusedSegments++;
      return;
    }
    const buffer = this.#buffer;
    let at = buffer.length;
    while (at > 0 && diff((buffer[at - 1] as Received).sn, sn) > 0) at--;
    if (at > 0 && (buffer[at - 1] as Received).sn === sn) {
      this.#stats.duplicates++;
      return;
    }
    // Copy: the packet's buffer is the socket's, and only this segment's bytes should be kept.
    buffer.splice(at, 0, { sn, frg: seg.frg, data: seg.data.slice() });
    this.#moveInOrder();
  }

  /**
   * Takes the next in-order bytes: in stream mode one segment's payload, in message mode one whole
   * message. Undefined when nothing (complete) is there.
   */
  receive(): Uint8Array | undefined {
    const queue = this.#queue;
    const first = queue[0];
    if (!first) return undefined;
    let out: Uint8Array;
    if (this.#streamMode || first.frg === 0) {
      queue.shift();
      out = first.data;
    } else {
      if (queue.length < first.frg + 1) return undefined;
      const parts = queue.splice(0, first.frg + 1);
      let size = 0;
      for (const p of parts) size += p.data.length;
      out = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        out.set(p.data, at);
        at += p.data.length;
      }
    }
    this.#moveInOrder();
    return out;
  }

  #moveInOrder(): void {
    const buffer = this.#buffer;
    let n = 0;
    while (
      n < buffer.length &&
      (buffer[n] as Received).sn === this.#next &&
      this.#queue.length < this.#window
    ) {
      this.#queue.push(buffer[n] as Received);
      this.#next = (this.#next + 1) >>> 0;
      n++;
    }
    if (n > 0) buffer.splice(0, n);
  }
}
