import type { KcpControlStats } from '../kcpControlOptions.js';
import { kcpSeqDiff as diff } from './kcpSequence.js';

/** One segment sent (or about to be) and waiting for its acknowledgement. */
export interface KcpInFlight {
  readonly sn: number;
  readonly frg: number;
  readonly data: Uint8Array;
  /** Time of the latest transmission, echoed by the ACK that answers it. */
  ts: number;
  /** Time of the first transmission: an ACK echoing anything older is a lie. */
  firstTs: number;
  rto: number;
  resendAt: number;
  transmissions: number;
  fastAck: number;
}

/**
 * The send window of a KCP session: segments given a sequence number and not yet acknowledged,
 * oldest first, with `una` (the oldest unacknowledged sn) and `nxt` (the next sn to give). ACKs and
 * cumulative `una`s remove segments; an ACK that overtakes older segments counts on them
 * (`fastAck`), which `flush` turns into fast and early retransmissions.
 */
export class KcpSendBuffer {
  /** Oldest first; read and updated in place by the flush loop. */
  readonly segments: KcpInFlight[] = [];
  una = 0;
  nxt = 0;
  /** A sent segment was overtaken (its fastAck grew) since the last full scan of the buffer. */
  overtaken = false;
  readonly #stats: KcpControlStats;

  constructor(stats: KcpControlStats) {
    this.#stats = stats;
  }

  /** Gives the next sn to a segment about to be sent first. */
  admit(data: Uint8Array, frg: number, now: number): void {
    this.segments.push({
      sn: this.nxt,
      frg,
      data,
      ts: 0,
      firstTs: now,
      rto: 0,
      resendAt: 0,
      transmissions: 0,
      fastAck: 0,
    });
    this.nxt = (this.nxt + 1) >>> 0;
  }

  /** Removes every segment below the peer's cumulative `una`. */
  acknowledgeBelow(una: number): void {
    const buffer = this.segments;
    let n = 0;
    while (n < buffer.length && diff(una, (buffer[n] as KcpInFlight).sn) > 0) n++;
    if (n > 0) buffer.splice(0, n);
    this.una = buffer[0]?.sn ?? this.nxt;
  }

  /** Handles one ACK; returns true when it acknowledged something this session sent (maybe already). */
  acknowledge(sn: number, ts: number): boolean {
    if (diff(sn, this.nxt) >= 0) {
      this.#stats.strayAcks++;
      return false;
    }
    // Below una: already acknowledged (the reply's una often arrives before the ACK itself).
    if (diff(sn, this.una) < 0) return true;
    const buffer = this.segments;
    const index = buffer.findIndex((s) => s.sn === sn);
    if (index < 0) return true;
    buffer.splice(index, 1);
    // Segments sent before the acknowledged one and still unacknowledged were overtaken.
    for (let i = 0; i < index; i++) {
      const earlier = buffer[i] as KcpInFlight;
      if (diff(earlier.ts, ts) <= 0) {
        earlier.fastAck++;
        this.overtaken = true;
      }
    }
    this.una = buffer[0]?.sn ?? this.nxt;
    return true;
  }
}
