import { checkInteger } from '@porta/core/transport';
import { KcpCongestionWindow } from './internal/kcpCongestionWindow.js';
import { KcpPacketWriter } from './internal/kcpPacketWriter.js';
import { KcpReceiver } from './internal/kcpReceiver.js';
import { type KcpInFlight, KcpSendBuffer } from './internal/kcpSendBuffer.js';
import { type KcpQueuedSegment, KcpSendQueue } from './internal/kcpSendQueue.js';
import { kcpSeqDiff as diff } from './internal/kcpSequence.js';
import { KcpWindowProbe } from './internal/kcpWindowProbe.js';
import type { KcpControlOptions, KcpControlStats, KcpRetransmission } from './kcpControlOptions.js';
import { KCP_MODES, type KcpTuning } from './kcpProfile.js';
import { type KcpRtoPolicy, kcpRtoPolicy } from './kcpRtoPolicy.js';
import { KCP_HEADER_LENGTH, KcpCommand, type KcpSegment } from './kcpSegment.js';

/** Longer than any RTO either policy gives (both cap at 60 s). */
const MAX_RTO = 120_000;
const ASK_SEND = 1;
const ASK_TELL = 2;
/** kcp-go never sends a packet over 1500 bytes, so no honest segment carries more than this. */
export const KCP_MAX_SEGMENT_PAYLOAD = 1500 - KCP_HEADER_LENGTH;

/**
 * The KCP protocol machine of one session, without sockets or timers: `send` queues bytes,
 * `input` takes a packet's segments, `flush` (call it every `intervalMs`) emits ACKs, window probes,
 * new data and retransmissions through `output`, and `receive` hands back what arrived in order.
 * {@link KcpSession} drives it on a `DatagramSocket`; tests drive it by hand.
 *
 * On the wire it is ikcp.c as kcp-go runs it (read from their sources, not copied): a segment waits
 * for its own ACK or a cumulative `una`; one that `fastResend` later segments overtook is resent at
 * once; one that times out is resent with a longer RTO; a peer that advertises a zero window is
 * probed (WASK) after 7 s, then every ×1.5 up to 120 s; the receive window is what the application
 * has not read yet, so a reader that stops closes the window.
 *
 * Beyond ikcp.c, for hostile peers: the whole packet is validated before use, a segment payload over
 * 1476 bytes, a cumulative `una` beyond what was sent, and (in message mode) a `frg` the window could
 * never hold are refused and counted, ACKs for what was never sent are counted and ignored, and a
 * round-trip sample is never taken from an echoed time in the future or over 60 s old.
 *
 * @example
 * ```ts
 * const wire: Uint8Array[] = [];
 * let clock = 0; // ms, advanced by the caller
 * const kcp = new KcpControl({ conv: 1, output: (p) => wire.push(p), now: () => clock });
 * kcp.send(new TextEncoder().encode('hello'));
 * kcp.flush(); // one PUSH
 * ```
 */
export class KcpControl {
  readonly conv: number;
  readonly mtu: number;
  /** Largest payload of one segment. */
  readonly mss: number;
  readonly sendWindow: number;
  readonly receiveWindow: number;
  readonly tuning: KcpTuning;
  readonly streamMode: boolean;
  readonly deadLink: number;
  readonly stats: KcpControlStats = {
    segmentsSent: 0,
    segmentsReceived: 0,
    retransmitted: 0,
    timeoutRetransmits: 0,
    fastRetransmits: 0,
    earlyRetransmits: 0,
    duplicates: 0,
    refusedSegments: 0,
    strayAcks: 0,
    windowProbes: 0,
  };

  readonly #now: () => number;
  readonly #rto: KcpRtoPolicy;
  readonly #ackNoDelay: boolean;
  readonly #onRetransmit: ((event: KcpRetransmission) => void) | undefined;
  readonly #writer: KcpPacketWriter;
  readonly #receiver: KcpReceiver;
  readonly #congestion: KcpCongestionWindow;
  readonly #windowProbe = new KcpWindowProbe();

  #remoteWindow: number;
  #probe = 0;
  #dead = false;
  #nextFlushIn: number;
  #deadTransmissions = 0;
  /** No sent segment's timer expires before this (ms clock); a lower bound once ACKs removed some. */
  #earliestResend = 0;

  /** Segments not yet sent. */
  readonly #sendQueue: KcpSendQueue;
  /** Segments sent and not yet acknowledged. */
  readonly #sent: KcpSendBuffer;

  constructor(options: KcpControlOptions) {
    this.conv = options.conv >>> 0;
    this.#now = options.now;
    const reserved = checkInteger(options.reserved ?? 0, 'reserved', 0, 256);
    this.mtu = checkInteger(options.mtu ?? 1350, 'mtu', 50 + reserved, 1500);
    this.mss = this.mtu - KCP_HEADER_LENGTH - reserved;
    this.sendWindow = checkInteger(options.sendWindow ?? 128, 'sendWindow', 1, 0xffff);
    this.receiveWindow = checkInteger(options.receiveWindow ?? 512, 'receiveWindow', 1, 0xffff);
    this.tuning = options.tuning ?? KCP_MODES.fast;
    checkInteger(this.tuning.intervalMs, 'intervalMs', 10, 5000);
    checkInteger(this.tuning.fastResend, 'fastResend', 0, 0xffff);
    this.streamMode = options.streamMode ?? true;
    this.deadLink = checkInteger(options.deadLink ?? 20, 'deadLink', 1, 1000);
    this.#ackNoDelay = options.ackNoDelay ?? false;
    this.#onRetransmit = options.onRetransmit;
    this.#rto = kcpRtoPolicy(options.rto ?? 'kcp', this.tuning);
    // ikcp.c starts the remote window at its own default receive window until the peer speaks.
    this.#remoteWindow = 32;
    this.#nextFlushIn = this.tuning.intervalMs;
    this.#writer = new KcpPacketWriter(this.conv, this.mtu, reserved, options.output, this.stats);
    this.#receiver = new KcpReceiver(this.receiveWindow, this.streamMode, this.stats);
    this.#congestion = new KcpCongestionWindow(this.mss);
    this.#sendQueue = new KcpSendQueue(this.mss, this.streamMode);
    this.#sent = new KcpSendBuffer(this.stats);
  }

  /** The current retransmission timeout (ms). */
  get rto(): number {
    return this.#rto.rto;
  }

  /**
   * Milliseconds until the next flush is needed: the interval, or sooner when a segment's
   * retransmission timer expires first (kcp-go schedules its updates the same way).
   */
  get nextFlushIn(): number {
    return this.#nextFlushIn;
  }

  /** True once a segment reached `deadLink` transmissions: the session must end. */
  get isDead(): boolean {
    return this.#dead;
  }

  /** Transmissions of the segment that killed the link (0 while alive). */
  get deadTransmissions(): number {
    return this.#deadTransmissions;
  }

  /** The window the peer last advertised, in segments. */
  get remoteWindow(): number {
    return this.#remoteWindow;
  }

  /** Segments queued or in flight: what `send` may add to is bounded by the caller against this. */
  get waitingSegments(): number {
    return this.#sendQueue.length + this.#sent.segments.length;
  }

  /** Segments in flight (sent, not acknowledged). */
  get inFlight(): number {
    return this.#sent.segments.length;
  }

  /** Segments buffered on the receive side (out of order plus unread); never above twice the window. */
  get bufferedSegments(): number {
    return this.#receiver.bufferedSegments;
  }

  /** True when nothing waits to be sent or acknowledged. */
  get isIdle(): boolean {
    return this.waitingSegments === 0 && this.#receiver.pendingAcks === 0;
  }

  /**
   * Queues bytes (split into segments of at most `mss`). In stream mode the last queued segment is
   * filled up first; in message mode one call is one message of at most 255 fragments.
   *
   * @throws {@link @porta/core!InvalidArgumentError} for a message over 255 fragments (message mode).
   */
  send(data: Uint8Array): void {
    this.#sendQueue.push(data);
  }

  /**
   * Takes the next in-order bytes: in stream mode one segment's payload, in message mode one whole
   * message. Undefined when nothing (complete) is there. Reading reopens the window; when it had
   * been full, the next flush tells the peer (WINS).
   */
  receive(): Uint8Array | undefined {
    const receiver = this.#receiver;
    const wasFull = receiver.isFull;
    const out = receiver.receive();
    if (out && wasFull && !receiver.isFull) this.#probe |= ASK_TELL;
    return out;
  }

  /** Makes the next flush send a WINS segment: porta's keepalive, harmless to any KCP peer. */
  tellWindow(): void {
    this.#probe |= ASK_TELL;
  }

  /** Bytes (stream mode) ready for {@link KcpControl.receive}, or 0. */
  get readable(): number {
    return this.#receiver.readable;
  }

  /**
   * Takes the segments of one packet (already decoded and checked for conv by the caller).
   * Returns false when none was usable.
   */
  input(segments: readonly KcpSegment[]): boolean {
    const sent = this.#sent;
    const unaBefore = sent.una;
    let used = false;
    let latestAck: number | undefined;
    for (const seg of segments) {
      if (seg.conv !== this.conv) {
        this.stats.refusedSegments++;
        continue;
      }
      if (
        diff(seg.una, sent.nxt) > 0 ||
        (seg.cmd === KcpCommand.PUSH && seg.data.length > KCP_MAX_SEGMENT_PAYLOAD)
      ) {
        this.stats.refusedSegments++;
        continue;
      }
      used = true;
      this.stats.segmentsReceived++;
      this.#remoteWindow = seg.wnd;
      sent.acknowledgeBelow(seg.una);
      switch (seg.cmd) {
        case KcpCommand.ACK:
          if (sent.acknowledge(seg.sn, seg.ts) && (latestAck === undefined || diff(seg.ts, latestAck) > 0)) {
            latestAck = seg.ts;
          }
          break;
        case KcpCommand.PUSH:
          this.#receiver.push(seg);
          // A flood of PUSHes within one interval must not grow the ACK list without bound.
          if (this.#receiver.pendingAcks >= 2 * this.receiveWindow) this.#flushAcks();
          break;
        case KcpCommand.WASK:
          this.#probe |= ASK_TELL;
          break;
        case KcpCommand.WINS:
          break;
      }
    }
    // One round-trip sample per packet, from the newest echoed send time, as kcp-go takes it —
    // also when the segment was already acknowledged by una — but never from a time in the future
    // or more than a maximal RTO in the past.
    if (latestAck !== undefined) {
      const rtt = diff(this.#now(), latestAck);
      if (rtt >= 0 && rtt <= 60_000) this.#rto.sample(rtt);
    }
    if (this.tuning.congestionControl && diff(sent.una, unaBefore) > 0) {
      this.#congestion.grow(this.#remoteWindow);
    }
    if (diff(sent.una, unaBefore) > 0) this.flush();
    else if (this.#ackNoDelay && this.#receiver.pendingAcks > 0) this.#flushAcks();
    return used;
  }

  /**
   * Sends what is due: ACKs, window probes and answers, new segments the windows allow, and
   * retransmissions (timeout, fast, early). Call it every `tuning.intervalMs`.
   */
  flush(): void {
    if (this.#dead) return;
    const now = this.#now();
    this.#flushAcks(false);
    if (this.#windowProbe.due(now, this.#remoteWindow)) {
      this.#probe |= ASK_SEND;
      this.stats.windowProbes++;
    }
    if (this.#probe & ASK_SEND) this.#control(KcpCommand.WASK);
    if (this.#probe & ASK_TELL) this.#control(KcpCommand.WINS);
    this.#probe = 0;

    let window = Math.min(this.sendWindow, this.#remoteWindow);
    if (this.tuning.congestionControl) window = Math.min(window, this.#congestion.cwnd);
    const sent = this.#sent;
    let fresh = 0;
    while (this.#sendQueue.length > 0 && diff(sent.nxt, sent.una + window) < 0) {
      const next = this.#sendQueue.shift() as KcpQueuedSegment;
      sent.admit(next.data, next.frg, now);
      fresh++;
    }

    const resendAfter = this.tuning.fastResend > 0 ? this.tuning.fastResend : Number.POSITIVE_INFINITY;
    let fastOrEarly = 0;
    let timedOut = 0;
    const wnd = this.#receiver.freeWindow;
    const una = this.#receiver.next;
    // A zero window is TCP's persist state: probe, and retransmit nothing until it reopens — the
    // receiver dropped what it had no room for, and a reader that pauses must not look dead.
    const persist = this.#remoteWindow === 0;
    let nextDue = this.tuning.intervalMs;
    // A sent segment beyond the window the peer advertises was dropped for want of room: resending
    // it wastes the link, and backing off its timer starves the segment the peer waits for. It is
    // held, with a fresh timer, until the window reaches it (the first unacknowledged segment is
    // always inside, so the transfer keeps moving).
    const windowEnd = (sent.una + Math.max(1, this.#remoteWindow)) >>> 0;
    // Segments already sent need a look only when one may be due: a timer expired, a later segment
    // was acknowledged (fast or early resend), the peer's window closed or shrank below the flight.
    // Otherwise only the new segments at the end go out — a flush per ACK packet does not walk the
    // whole send window (128 segments by default) to find nothing.
    const buffer = sent.segments;
    const scanAll =
      sent.overtaken || persist || diff(sent.nxt, windowEnd) > 0 || diff(now, this.#earliestResend) >= 0;
    let earliest = (now + MAX_RTO) >>> 0;
    let stillOvertaken = false;
    for (let i = scanAll ? 0 : buffer.length - fresh; i < buffer.length; i++) {
      const seg = buffer[i] as KcpInFlight;
      if (seg.transmissions > 0 && (persist || diff(seg.sn, windowEnd) >= 0)) {
        if (!persist) {
          seg.rto = this.#rto.rto;
          seg.resendAt = now;
        }
        if (seg.fastAck > 0) stillOvertaken = true;
        if (diff(seg.resendAt, earliest) < 0) earliest = seg.resendAt;
        continue;
      }
      let send = false;
      let reason: KcpRetransmission['reason'] = 'timeout';
      if (seg.transmissions === 0) {
        send = true;
        seg.rto = this.#rto.rto;
        seg.firstTs = now;
      } else if (seg.fastAck >= resendAfter) {
        send = true;
        seg.rto = this.#rto.rto;
        reason = 'fast';
        this.stats.fastRetransmits++;
        fastOrEarly++;
      } else if (seg.fastAck > 0 && fresh === 0) {
        // kcp-go's early retransmit: a later segment was acknowledged and nothing new is going out.
        send = true;
        seg.rto = this.#rto.rto;
        reason = 'early';
        this.stats.earlyRetransmits++;
        fastOrEarly++;
      } else if (diff(now, seg.resendAt) >= 0) {
        send = true;
        seg.rto = this.#rto.backoff(seg.rto);
        this.stats.timeoutRetransmits++;
        timedOut++;
      }
      if (!send) {
        // Overtaken but not resent (new data went out instead): an early resend may come next time.
        if (seg.fastAck > 0) stillOvertaken = true;
        if (!persist) nextDue = Math.min(nextDue, Math.max(1, diff(seg.resendAt, now)));
        if (diff(seg.resendAt, earliest) < 0) earliest = seg.resendAt;
        continue;
      }
      seg.fastAck = 0;
      seg.transmissions++;
      if (seg.transmissions > 1) {
        this.stats.retransmitted++;
        this.#onRetransmit?.({ sn: seg.sn, transmission: seg.transmissions, reason, rto: seg.rto });
      }
      seg.ts = now;
      seg.resendAt = (now + seg.rto) >>> 0;
      this.#writer.put(KcpCommand.PUSH, seg.frg, wnd, now >>> 0, seg.sn, una, seg.data);
      if (seg.transmissions >= this.deadLink && !this.#dead) {
        this.#dead = true;
        this.#deadTransmissions = seg.transmissions;
      }
      nextDue = Math.min(nextDue, seg.rto);
      if (diff(seg.resendAt, earliest) < 0) earliest = seg.resendAt;
    }
    if (scanAll) {
      sent.overtaken = stillOvertaken;
      this.#earliestResend = earliest;
    } else {
      // Unscanned segments keep their timers: the earliest of them still bounds the next flush.
      if (diff(earliest, this.#earliestResend) < 0) this.#earliestResend = earliest;
      if (buffer.length > fresh) nextDue = Math.min(nextDue, Math.max(1, diff(this.#earliestResend, now)));
    }
    this.#nextFlushIn = nextDue;
    this.#writer.emit();

    if (this.tuning.congestionControl) {
      const inFlight = (sent.nxt - sent.una) >>> 0;
      this.#congestion.afterFlush(fastOrEarly, timedOut, inFlight, window, resendAfter);
    }
  }

  /** Writes the pending ACKs. */
  #flushAcks(emit = true): void {
    const receiver = this.#receiver;
    if (receiver.pendingAcks === 0) return;
    this.#writer.acks(receiver.takeAcks(), receiver.freeWindow, receiver.next);
    if (emit) this.#writer.emit();
  }

  #control(cmd: KcpCommand): void {
    this.#writer.control(cmd, this.#receiver.freeWindow, this.#receiver.next);
  }
}
