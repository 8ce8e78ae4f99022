import { InvalidArgumentError } from '@porta/core';
import { KCP_MODES, type KcpTuning } from './kcpProfile.js';
import { type KcpRtoName, type KcpRtoPolicy, kcpRtoPolicy } from './kcpRtoPolicy.js';
import { KCP_HEADER_LENGTH, KcpCommand, type KcpSegment, writeKcpSegment } from './kcpSegment.js';

/**
 * Options of a {@link KcpControl}. Defaults are kcptun's (`--mode fast`, `--mtu 1350`,
 * `--sndwnd 128`, `--rcvwnd 512`), not ikcp.c's.
 *
 * @example
 * ```ts
 * const peer = toEndpoint({ address: '127.0.0.1', port: 29900 });
 * const options: KcpControlOptions = { conv: 7, output: (p) => socket.send(p, peer).subscribe(), now: () => Date.now() };
 * ```
 */
export interface KcpControlOptions {
  readonly conv: number;
  /** Sends one packet. Called synchronously from `flush`/`input`; the packet is the caller's to keep. */
  readonly output: (packet: Uint8Array) => void;
  /** The clock, in ms. */
  readonly now: () => number;
  /** Largest packet, headers of the packet layer included. Default 1350 (kcptun's). */
  readonly mtu?: number;
  /** Bytes the packet layer puts before the segments (kcp-go's nonce + CRC32: 20). Default 0. */
  readonly reserved?: number;
  /** Send window in segments. Default 128. */
  readonly sendWindow?: number;
  /** Receive window in segments (also the bound of what is buffered). Default 512. */
  readonly receiveWindow?: number;
  /** Default `KCP_MODES.fast`. */
  readonly tuning?: KcpTuning;
  /** Default `'kcp'`. */
  readonly rto?: KcpRtoName;
  /** Stream mode (kcptun's): writes are coalesced into full segments and frg is 0. Default true. */
  readonly streamMode?: boolean;
  /** A segment sent this many times without an ACK ends the session. Default 20 (ikcp.c's). */
  readonly deadLink?: number;
  /** Send ACKs as soon as a packet arrives rather than at the next flush. Default false (kcptun's). */
  readonly ackNoDelay?: boolean;
  /** Told of every retransmission (for timelines and traces). */
  readonly onRetransmit?: (event: KcpRetransmission) => void;
}

/**
 * One retransmitted segment, as {@link KcpControlOptions.onRetransmit} reports it.
 *
 * @example
 * ```ts
 * const onRetransmit = (r: KcpRetransmission) => console.log(`sn ${r.sn} again (${r.reason}, #${r.transmission})`);
 * ```
 */
export interface KcpRetransmission {
  readonly sn: number;
  /** 2 for the first retransmission. */
  readonly transmission: number;
  readonly reason: 'timeout' | 'fast' | 'early';
  readonly rto: number;
}

/**
 * Counters of a {@link KcpControl}.
 *
 * @example
 * ```ts
 * declare const control: KcpControl;
 * console.log(`${control.stats.retransmitted} retransmitted, RTO ${control.rto} ms`);
 * ```
 */
export interface KcpControlStats {
  segmentsSent: number;
  segmentsReceived: number;
  /** Retransmissions of every kind (the three below). */
  retransmitted: number;
  timeoutRetransmits: number;
  fastRetransmits: number;
  earlyRetransmits: number;
  /** PUSH segments already received or outside the receive window. */
  duplicates: number;
  /** Segments refused for what they claim: a payload over the largest segment, an una or frg that cannot be. */
  refusedSegments: number;
  /** ACKs for a sequence number never sent. */
  strayAcks: number;
  windowProbes: number;
}

/** One segment waiting for its acknowledgement. */
interface InFlight {
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

interface Received {
  readonly sn: number;
  readonly frg: number;
  readonly data: Uint8Array;
}

const ASK_SEND = 1;
const ASK_TELL = 2;
const PROBE_INITIAL = 7000;
const PROBE_LIMIT = 120_000;
/** kcp-go never sends a packet over 1500 bytes, so no honest segment carries more than this. */
export const KCP_MAX_SEGMENT_PAYLOAD = 1500 - KCP_HEADER_LENGTH;

/** Signed distance a − b on the wrapping 32-bit sequence/time circle. */
function diff(a: number, b: number): number {
  return (a - b) | 0;
}

function positiveInt(value: number, name: string, min = 1, max = 0xffff): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

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

  readonly #output: (packet: Uint8Array) => void;
  readonly #now: () => number;
  readonly #reserved: number;
  readonly #rto: KcpRtoPolicy;
  readonly #ackNoDelay: boolean;
  readonly #onRetransmit: ((event: KcpRetransmission) => void) | undefined;
  readonly #buffer: Uint8Array;
  #used: number;

  #sndUna = 0;
  #sndNxt = 0;
  #rcvNxt = 0;
  #remoteWindow: number;
  #cwnd = 1;
  #incr = 0;
  #ssthresh = 2;
  #probe = 0;
  #probeWait = 0;
  #probeAt = 0;
  #dead = false;
  #nextFlushIn: number;
  #deadTransmissions = 0;

  /** Segments not yet sent: payloads (each ≤ mss) and their frg. */
  readonly #sendQueue: { data: Uint8Array; frg: number }[] = [];
  /** Bytes of the last queued segment, when it is still open for coalescing (stream mode). */
  #tail: { buffer: Uint8Array; length: number } | undefined;
  readonly #sendBuffer: InFlight[] = [];
  /** Out-of-order segments, sorted by sn, all in [rcvNxt, rcvNxt + receiveWindow). */
  readonly #receiveBuffer: Received[] = [];
  /** In-order segments the application has not read. */
  readonly #receiveQueue: Received[] = [];
  #ackList: number[] = [];

  constructor(options: KcpControlOptions) {
    this.conv = options.conv >>> 0;
    this.#output = options.output;
    this.#now = options.now;
    this.#reserved = positiveInt(options.reserved ?? 0, 'reserved', 0, 256);
    this.mtu = positiveInt(options.mtu ?? 1350, 'mtu', 50 + this.#reserved, 1500);
    this.mss = this.mtu - KCP_HEADER_LENGTH - this.#reserved;
    this.sendWindow = positiveInt(options.sendWindow ?? 128, 'sendWindow');
    this.receiveWindow = positiveInt(options.receiveWindow ?? 512, 'receiveWindow');
    this.tuning = options.tuning ?? KCP_MODES.fast;
    positiveInt(this.tuning.intervalMs, 'intervalMs', 10, 5000);
    positiveInt(this.tuning.fastResend, 'fastResend', 0, 0xffff);
    this.streamMode = options.streamMode ?? true;
    this.deadLink = positiveInt(options.deadLink ?? 20, 'deadLink', 1, 1000);
    this.#ackNoDelay = options.ackNoDelay ?? false;
    this.#onRetransmit = options.onRetransmit;
    this.#rto = kcpRtoPolicy(options.rto ?? 'kcp', this.tuning);
    // ikcp.c starts the remote window at its own default receive window until the peer speaks.
    this.#remoteWindow = 32;
    this.#nextFlushIn = this.tuning.intervalMs;
    this.#buffer = new Uint8Array(this.mtu);
    this.#used = this.#reserved;
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
    return this.#sendQueue.length + this.#sendBuffer.length;
  }

  /** Segments in flight (sent, not acknowledged). */
  get inFlight(): number {
    return this.#sendBuffer.length;
  }

  /** Segments buffered on the receive side (out of order plus unread); never above twice the window. */
  get bufferedSegments(): number {
    return this.#receiveBuffer.length + this.#receiveQueue.length;
  }

  /** True when nothing waits to be sent or acknowledged. */
  get isIdle(): boolean {
    return this.waitingSegments === 0 && this.#ackList.length === 0;
  }

  /** Free receive window to advertise: slots the unread queue does not hold. */
  get #freeWindow(): number {
    return Math.max(0, this.receiveWindow - this.#receiveQueue.length);
  }

  /**
   * Queues bytes (split into segments of at most `mss`). In stream mode the last queued segment is
   * filled up first; in message mode one call is one message of at most 255 fragments.
   *
   * @throws {@link @porta/core!InvalidArgumentError} for a message over 255 fragments (message mode).
   */
  send(data: Uint8Array): void {
    if (data.length === 0) return;
    let rest = data;
    if (this.streamMode) {
      const tail = this.#tail;
      if (tail && tail.length < this.mss) {
        const take = Math.min(this.mss - tail.length, rest.length);
        tail.buffer.set(rest.subarray(0, take), tail.length);
        tail.length += take;
        const last = this.#sendQueue[this.#sendQueue.length - 1];
        if (last) last.data = tail.buffer.subarray(0, tail.length);
        rest = rest.subarray(take);
      }
      while (rest.length > 0) {
        const take = Math.min(this.mss, rest.length);
        const buffer = new Uint8Array(this.mss);
        buffer.set(rest.subarray(0, take));
        this.#sendQueue.push({ data: buffer.subarray(0, take), frg: 0 });
        this.#tail = { buffer, length: take };
        rest = rest.subarray(take);
      }
      return;
    }
    const count = Math.ceil(rest.length / this.mss);
    if (count > 255) {
      throw new InvalidArgumentError(
        `a KCP message of ${data.length} bytes needs ${count} fragments of ${this.mss}; at most 255 fit`,
      );
    }
    for (let i = 0; i < count; i++) {
      this.#sendQueue.push({ data: rest.slice(i * this.mss, (i + 1) * this.mss), frg: count - i - 1 });
    }
  }

  /**
   * Takes the next in-order bytes: in stream mode one segment's payload, in message mode one whole
   * message. Undefined when nothing (complete) is there. Reading reopens the window; when it had
   * been full, the next flush tells the peer (WINS).
   */
  receive(): Uint8Array | undefined {
    const queue = this.#receiveQueue;
    const first = queue[0];
    if (!first) return undefined;
    const wasFull = queue.length >= this.receiveWindow;
    let out: Uint8Array;
    if (this.streamMode || first.frg === 0) {
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
    if (wasFull && queue.length < this.receiveWindow) this.#probe |= ASK_TELL;
    return out;
  }

  /** Makes the next flush send a WINS segment: porta's keepalive, harmless to any KCP peer. */
  tellWindow(): void {
    this.#probe |= ASK_TELL;
  }

  /** Bytes (stream mode) ready for {@link KcpControl.receive}, or 0. */
  get readable(): number {
    let n = 0;
    for (const s of this.#receiveQueue) n += s.data.length;
    return n;
  }

  /**
   * Takes the segments of one packet (already decoded and checked for conv by the caller).
   * Returns false when none was usable.
   */
  input(segments: readonly KcpSegment[]): boolean {
    const unaBefore = this.#sndUna;
    let used = false;
    let latestAck: number | undefined;
    for (const seg of segments) {
      if (seg.conv !== this.conv) {
        this.stats.refusedSegments++;
        continue;
      }
      if (
        diff(seg.una, this.#sndNxt) > 0 ||
        (seg.cmd === KcpCommand.PUSH && seg.data.length > KCP_MAX_SEGMENT_PAYLOAD)
      ) {
        this.stats.refusedSegments++;
        continue;
      }
      used = true;
      this.stats.segmentsReceived++;
      this.#remoteWindow = seg.wnd;
      this.#acknowledgeBelow(seg.una);
      switch (seg.cmd) {
        case KcpCommand.ACK:
          if (this.#onAck(seg.sn, seg.ts) && (latestAck === undefined || diff(seg.ts, latestAck) > 0)) {
            latestAck = seg.ts;
          }
          break;
        case KcpCommand.PUSH:
          this.#onPush(seg);
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
    if (this.tuning.congestionControl && diff(this.#sndUna, unaBefore) > 0) this.#grow();
    if (diff(this.#sndUna, unaBefore) > 0) this.flush();
    else if (this.#ackNoDelay && this.#ackList.length > 0) this.#flushAcks();
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
    this.#scheduleProbe(now);
    if (this.#probe & ASK_SEND) this.#control(KcpCommand.WASK);
    if (this.#probe & ASK_TELL) this.#control(KcpCommand.WINS);
    this.#probe = 0;

    let window = Math.min(this.sendWindow, this.#remoteWindow);
    if (this.tuning.congestionControl) window = Math.min(window, this.#cwnd);
    let fresh = 0;
    while (this.#sendQueue.length > 0 && diff(this.#sndNxt, this.#sndUna + window) < 0) {
      const next = this.#sendQueue.shift() as { data: Uint8Array; frg: number };
      if (this.#sendQueue.length === 0) this.#tail = undefined;
      this.#sendBuffer.push({
        sn: this.#sndNxt,
        frg: next.frg,
        data: next.data,
        ts: 0,
        firstTs: now,
        rto: 0,
        resendAt: 0,
        transmissions: 0,
        fastAck: 0,
      });
      this.#sndNxt = (this.#sndNxt + 1) >>> 0;
      fresh++;
    }

    const resendAfter = this.tuning.fastResend > 0 ? this.tuning.fastResend : Number.POSITIVE_INFINITY;
    let fastOrEarly = 0;
    let timedOut = 0;
    const wnd = this.#freeWindow;
    // A zero window is TCP's persist state: probe, and retransmit nothing until it reopens — the
    // receiver dropped what it had no room for, and a reader that pauses must not look dead.
    const persist = this.#remoteWindow === 0;
    let nextDue = this.tuning.intervalMs;
    // A sent segment beyond the window the peer advertises was dropped for want of room: resending
    // it wastes the link, and backing off its timer starves the segment the peer waits for. It is
    // held, with a fresh timer, until the window reaches it (the first unacknowledged segment is
    // always inside, so the transfer keeps moving).
    const windowEnd = (this.#sndUna + Math.max(1, this.#remoteWindow)) >>> 0;
    for (const seg of this.#sendBuffer) {
      if (persist && seg.transmissions > 0) continue;
      if (seg.transmissions > 0 && diff(seg.sn, windowEnd) >= 0) {
        seg.rto = this.#rto.rto;
        seg.resendAt = now;
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
        if (!persist) nextDue = Math.min(nextDue, Math.max(1, diff(seg.resendAt, now)));
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
      this.#put({
        conv: this.conv,
        cmd: KcpCommand.PUSH,
        frg: seg.frg,
        wnd,
        ts: now >>> 0,
        sn: seg.sn,
        una: this.#rcvNxt,
        data: seg.data,
      });
      if (seg.transmissions >= this.deadLink && !this.#dead) {
        this.#dead = true;
        this.#deadTransmissions = seg.transmissions;
      }
      nextDue = Math.min(nextDue, seg.rto);
    }
    this.#nextFlushIn = nextDue;
    this.#emit();

    if (this.tuning.congestionControl) {
      if (fastOrEarly > 0) {
        const inflight = (this.#sndNxt - this.#sndUna) >>> 0;
        this.#ssthresh = Math.max(2, Math.floor(inflight / 2));
        this.#cwnd = this.#ssthresh + (Number.isFinite(resendAfter) ? resendAfter : 0);
        this.#incr = this.#cwnd * this.mss;
      }
      if (timedOut > 0) {
        this.#ssthresh = Math.max(2, Math.floor(window / 2));
        this.#cwnd = 1;
        this.#incr = this.mss;
      }
      if (this.#cwnd < 1) {
        this.#cwnd = 1;
        this.#incr = this.mss;
      }
    }
  }

  #scheduleProbe(now: number): void {
    if (this.#remoteWindow !== 0) {
      this.#probeWait = 0;
      this.#probeAt = 0;
      return;
    }
    if (this.#probeWait === 0) {
      this.#probeWait = PROBE_INITIAL;
      this.#probeAt = (now + this.#probeWait) >>> 0;
    } else if (diff(now, this.#probeAt) >= 0) {
      this.#probeWait = Math.min(PROBE_LIMIT, Math.max(PROBE_INITIAL, this.#probeWait) * 1.5);
      this.#probeAt = (now + this.#probeWait) >>> 0;
      this.#probe |= ASK_SEND;
      this.stats.windowProbes++;
    }
  }

  #acknowledgeBelow(una: number): void {
    let n = 0;
    while (n < this.#sendBuffer.length && diff(una, (this.#sendBuffer[n] as InFlight).sn) > 0) n++;
    if (n > 0) this.#sendBuffer.splice(0, n);
    this.#sndUna = this.#sendBuffer[0]?.sn ?? this.#sndNxt;
  }

  /** Handles one ACK; returns true when it acknowledged something this session sent (maybe already). */
  #onAck(sn: number, ts: number): boolean {
    if (diff(sn, this.#sndNxt) >= 0) {
      this.stats.strayAcks++;
      return false;
    }
    // Below una: already acknowledged (the reply's una often arrives before the ACK itself).
    if (diff(sn, this.#sndUna) < 0) return true;
    const buffer = this.#sendBuffer;
    const index = buffer.findIndex((s) => s.sn === sn);
    if (index < 0) return true;
    buffer.splice(index, 1);
    // Segments sent before the acknowledged one and still unacknowledged were overtaken.
    for (let i = 0; i < index; i++) {
      const earlier = buffer[i] as InFlight;
      if (diff(earlier.ts, ts) <= 0) earlier.fastAck++;
    }
    this.#sndUna = buffer[0]?.sn ?? this.#sndNxt;
    return true;
  }

  #onPush(seg: KcpSegment): void {
    const sn = seg.sn;
    if (diff(sn, this.#rcvNxt + this.receiveWindow) >= 0) {
      this.stats.duplicates++;
      return;
    }
    this.#ackList.push(sn, seg.ts);
    // A flood of PUSHes within one interval must not grow the ACK list without bound.
    if (this.#ackList.length >= 4 * this.receiveWindow) this.#flushAcks();
    if (diff(sn, this.#rcvNxt) < 0) {
      this.stats.duplicates++;
      return;
    }
    if (!this.streamMode && seg.frg >= this.receiveWindow) {
      this.stats.refusedSegments++;
      return;
    }
    const buffer = this.#receiveBuffer;
    let at = buffer.length;
    while (at > 0 && diff((buffer[at - 1] as Received).sn, sn) > 0) at--;
    if (at > 0 && (buffer[at - 1] as Received).sn === sn) {
      this.stats.duplicates++;
      return;
    }
    // Copy: the packet's buffer is the socket's, and only this segment's bytes should be kept.
    buffer.splice(at, 0, { sn, frg: seg.frg, data: seg.data.slice() });
    this.#moveInOrder();
  }

  #moveInOrder(): void {
    const buffer = this.#receiveBuffer;
    let n = 0;
    while (
      n < buffer.length &&
      (buffer[n] as Received).sn === this.#rcvNxt &&
      this.#receiveQueue.length < this.receiveWindow
    ) {
      this.#receiveQueue.push(buffer[n] as Received);
      this.#rcvNxt = (this.#rcvNxt + 1) >>> 0;
      n++;
    }
    if (n > 0) buffer.splice(0, n);
  }

  #grow(): void {
    if (this.#cwnd >= this.#remoteWindow) return;
    const mss = this.mss;
    if (this.#cwnd < this.#ssthresh) {
      this.#cwnd++;
      this.#incr += mss;
    } else {
      if (this.#incr < mss) this.#incr = mss;
      this.#incr += (mss * mss) / this.#incr + mss / 16;
      if ((this.#cwnd + 1) * mss <= this.#incr) this.#cwnd = Math.ceil(this.#incr / mss);
    }
    if (this.#cwnd > this.#remoteWindow) {
      this.#cwnd = this.#remoteWindow;
      this.#incr = this.#remoteWindow * mss;
    }
  }

  /** Writes the pending ACKs (kcp-go skips those below rcvNxt but the last: una covers them). */
  #flushAcks(emit = true): void {
    const acks = this.#ackList;
    if (acks.length === 0) return;
    this.#ackList = [];
    const wnd = this.#freeWindow;
    for (let i = 0; i < acks.length; i += 2) {
      const sn = acks[i] as number;
      if (diff(sn, this.#rcvNxt) >= 0 || i === acks.length - 2) {
        this.#put({
          conv: this.conv,
          cmd: KcpCommand.ACK,
          frg: 0,
          wnd,
          ts: acks[i + 1] as number,
          sn,
          una: this.#rcvNxt,
          data: EMPTY,
        });
      }
    }
    if (emit) this.#emit();
  }

  #control(cmd: KcpCommand): void {
    this.#put({
      conv: this.conv,
      cmd,
      frg: 0,
      wnd: this.#freeWindow,
      ts: 0,
      sn: 0,
      una: this.#rcvNxt,
      data: EMPTY,
    });
  }

  /** Appends a segment to the packet being built, sending the packet first when it would overflow. */
  #put(seg: KcpSegment): void {
    if (this.#used + KCP_HEADER_LENGTH + seg.data.length > this.mtu) this.#emit();
    this.#used = writeKcpSegment(this.#buffer, this.#used, seg);
    this.stats.segmentsSent++;
  }

  #emit(): void {
    if (this.#used <= this.#reserved) return;
    const packet = this.#buffer.slice(0, this.#used);
    this.#used = this.#reserved;
    this.#output(packet);
  }
}

const EMPTY = new Uint8Array(0);
