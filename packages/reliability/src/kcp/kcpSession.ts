import {
  type Endpoint,
  formatEndpoint,
  KcpDeadLinkError,
  type PortaError,
  SocketClosedError,
} from '@porta/core';
import type { PeerLink } from '@porta/core/transport';
import { Observable, type SchedulerLike, Subject, type Subscriber, type Subscription } from 'rxjs';
import { KcpControl } from './kcpControl.js';
import type { KcpRetransmission } from './kcpControlOptions.js';
import { type KcpPacketPipeline, kcpPacketPipeline } from './kcpPacketPipeline.js';
import { decodeKcpSegments } from './kcpSegment.js';
import type { KcpSessionStats, KcpSessionWire, ResolvedKcpSessionOptions } from './kcpSessionOptions.js';

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly subscriber: Subscriber<void>;
}

/**
 * One KCP session: an ordered, reliable, flow-controlled byte stream over UDP, shaped like a
 * `TcpConnection` so every codec and framing operator works on it, and a {@link PeerLink} so
 * `serve` runs an actor on it. Made by {@link kcpConnect}, {@link kcpListen} and {@link kcpTransport}.
 *
 * - Inbound: {@link KcpSession.bytes}. Bytes are taken from KCP only while someone reads and the
 *   session is not paused; otherwise they wait in KCP's receive queue, whose free space is the
 *   window advertised to the peer — so a slow reader stops the peer, and memory stays bounded by
 *   the receive window whatever the peer sends.
 * - Outbound: {@link KcpSession.send} completes once every byte is in KCP's send queue, which holds
 *   at most one send window of segments: a writer faster than the path waits (`sendall`).
 * - KCP has no FIN: {@link KcpSession.end} stops local sends (the peer learns nothing); use smux
 *   for per-stream half-close. {@link KcpSession.close} ends the session; readers complete.
 * - A dead link (a segment sent `deadLink` times, or `silenceTimeoutMs` of silence) fails the
 *   session: readers and pending sends error with `KCP_DEAD_LINK`.
 *
 * @example
 * ```ts
 * kcpConnect(socket, server).pipe(
 *   switchMap((session) => session.send(hello).pipe(switchMap(() => session.bytes.pipe(recvall(16))))),
 * );
 * ```
 */
export class KcpSession implements PeerLink {
  readonly id: string;
  readonly conv: number;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** Inbound bytes in order. Completes on close, errors with the failure (`KCP_DEAD_LINK`). */
  readonly bytes: Observable<Uint8Array>;
  /** Same as {@link KcpSession.bytes}: the {@link PeerLink} name. */
  readonly inbound: Observable<Uint8Array>;
  /** Emits once and completes when the session ends, whoever ended it. */
  readonly closed: Observable<void>;
  /** Every retransmission, as it happens (hot). */
  readonly retransmissions: Observable<KcpRetransmission>;

  readonly #control: KcpControl;
  readonly #wire: KcpSessionWire;
  readonly #packets: KcpPacketPipeline;
  readonly #scheduler: SchedulerLike;
  readonly #silenceTimeout: number;
  readonly #keepalive: number;
  readonly #readers = new Set<Subscriber<Uint8Array>>();
  readonly #writes: PendingWrite[] = [];
  readonly #closedSubject = new Subject<void>();
  readonly #retransmissions = new Subject<KcpRetransmission>();
  /** The packets `input` opened from the datagram it is taking, in one array for every datagram. */
  readonly #opened: Uint8Array[] = [];
  readonly #collect = (packet: Uint8Array): void => {
    this.#opened.push(packet);
  };
  /** True while `input` takes a datagram (one handed in meanwhile gets its own array). */
  #opening = false;
  #timer: Subscription | undefined;
  #userPaused = false;
  #ended = false;
  #isClosed = false;
  #failure: PortaError | undefined;
  #lastReceived: number;
  #lastSent: number;
  #counters = {
    bytesRead: 0,
    bytesWritten: 0,
    packetsSent: 0,
    packetsReceived: 0,
    malformedPackets: 0,
    foreignConv: 0,
  };

  /**
   * @internal Sessions are made by kcpConnect and kcpListen (which may pass the pipeline that
   * opened the session's first datagram).
   */
  constructor(
    conv: number,
    wire: KcpSessionWire,
    options: ResolvedKcpSessionOptions,
    packets: KcpPacketPipeline = sessionPipeline(options),
  ) {
    this.conv = conv >>> 0;
    this.#wire = wire;
    this.local = wire.local;
    this.remote = wire.remote;
    this.id = `kcp:${formatEndpoint(wire.remote)}#${this.conv}`;
    this.#packets = packets;
    this.#scheduler = options.scheduler;
    this.#silenceTimeout = options.silenceTimeoutMs;
    this.#keepalive = options.keepaliveMs;
    this.#lastReceived = this.#scheduler.now();
    this.#lastSent = this.#lastReceived;
    this.#control = new KcpControl({
      conv: this.conv,
      output: (packet) => this.#transmit(packet),
      now: () => Math.floor(this.#scheduler.now()) >>> 0,
      mtu: options.mtu,
      reserved: packets.overhead,
      sendWindow: options.sendWindow,
      receiveWindow: options.receiveWindow,
      tuning: options.tuning,
      rto: options.rto,
      streamMode: options.streamMode,
      deadLink: options.deadLink,
      ackNoDelay: options.ackNoDelay,
      onRetransmit: (event) => this.#retransmissions.next(event),
    });
    this.retransmissions = this.#retransmissions.asObservable();

    this.bytes = new Observable<Uint8Array>((subscriber) => {
      if (this.#isClosed) {
        if (this.#failure) subscriber.error(this.#failure);
        else subscriber.complete();
        return;
      }
      this.#readers.add(subscriber);
      this.#deliver();
      return () => {
        this.#readers.delete(subscriber);
      };
    });
    this.inbound = this.bytes;
    this.closed = new Observable<void>((subscriber) => {
      if (this.#isClosed) {
        subscriber.next();
        subscriber.complete();
        return;
      }
      return this.#closedSubject.subscribe(subscriber);
    });
    this.#arm();
  }

  /** A snapshot of the counters. */
  get stats(): KcpSessionStats {
    const c = this.#control;
    return {
      ...c.stats,
      ...this.#counters,
      ...this.#packets.stats,
      rto: c.rto,
      inFlight: c.inFlight,
      remoteWindow: c.remoteWindow,
      bufferedSegments: c.bufferedSegments,
    };
  }

  /** True once the session has ended. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The largest payload of one segment (mtu − 24 − the packet pipeline's headers). */
  get mss(): number {
    return this.#control.mss;
  }

  /**
   * Sends `data` with `sendall` semantics: completes (after one `undefined`) once every byte is in
   * KCP's send queue — at once while the send window has room, later when the path is slow — or
   * errors with `SOCKET_CLOSED` / `KCP_DEAD_LINK`. Nothing is queued until you subscribe; bytes
   * already queued are sent even if you unsubscribe.
   *
   * @example
   * ```ts
   * declare const session: KcpSession; // from kcpConnect or kcpListen
   * await lastValueFrom(session.send(new TextEncoder().encode('Enviei, servidor')));
   * ```
   */
  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      const refused = this.#writeRefusal();
      if (refused) {
        subscriber.error(refused);
        return;
      }
      const write: PendingWrite = { data, offset: 0, subscriber };
      this.#writes.push(write);
      this.#pump();
      return () => {
        const at = this.#writes.indexOf(write);
        if (at >= 0) this.#writes.splice(at, 1);
      };
    });
  }

  /** Stops taking bytes from KCP: its receive queue fills and the window the peer sees closes. */
  pause(): void {
    this.#userPaused = true;
  }

  /** Undoes {@link KcpSession.pause}. */
  resume(): void {
    this.#userPaused = false;
    this.#deliver();
  }

  /** No more local sends (bytes already queued still go). KCP carries no FIN: the peer is not told. */
  end(): void {
    this.#ended = true;
  }

  /** Ends the session now (pending ACKs are flushed once; unsent bytes are dropped). Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#control.flush();
    this.#finish(undefined);
  }

  /** Ends the session as failed: readers and pending sends see `error`. */
  fail(error: PortaError): void {
    this.#finish(error);
  }

  /**
   * A datagram from this session's peer. Malformed or foreign-conv ones are counted and dropped.
   * @internal Called by the listener or connector that owns the socket.
   */
  input(datagram: Uint8Array): void {
    if (this.#isClosed) return;
    // One array and one callback for every datagram (a fresh pair per datagram was garbage per
    // packet); a datagram handed in while another is being taken (a socket that delivers during a
    // send) gets its own array.
    const nested = this.#opening;
    const packets = nested ? [] : this.#opened;
    this.#opening = true;
    try {
      try {
        this.#packets.open(datagram, nested ? (p) => packets.push(p) : this.#collect);
      } catch {
        this.#counters.malformedPackets++;
        return;
      }
      this.inputPackets(packets);
    } finally {
      packets.length = 0;
      this.#opening = nested;
    }
  }

  /**
   * KCP packets a pipeline opened (several when FEC rebuilt some; none for a parity shard).
   * @internal
   */
  inputPackets(packets: readonly Uint8Array[]): void {
    if (this.#isClosed || packets.length === 0) return;
    let accepted = false;
    for (const packet of packets) {
      let segments: ReturnType<typeof decodeKcpSegments>;
      try {
        segments = decodeKcpSegments(packet);
      } catch {
        this.#counters.malformedPackets++;
        continue;
      }
      if (segments.some((s) => s.conv !== this.conv)) {
        this.#counters.foreignConv++;
        continue;
      }
      this.#counters.packetsReceived++;
      accepted = true;
      this.#control.input(segments);
    }
    if (!accepted) return;
    this.#lastReceived = this.#scheduler.now();
    this.#afterProtocol();
  }

  #transmit(packet: Uint8Array): void {
    this.#lastSent = this.#scheduler.now();
    this.#packets.seal(packet, this.#send);
  }

  readonly #send = (datagram: Uint8Array): void => {
    this.#counters.packetsSent++;
    this.#wire.transmit(datagram);
  };

  #arm(): void {
    this.#timer = this.#scheduler.schedule(() => this.#tick(), this.#control.nextFlushIn);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#isClosed) return;
    const now = this.#scheduler.now();
    if (now - this.#lastReceived >= this.#silenceTimeout) {
      this.fail(new KcpDeadLinkError('silence', this.conv, 0, this.#silenceTimeout));
      return;
    }
    if (now - this.#lastSent >= this.#keepalive) this.#control.tellWindow();
    this.#control.flush();
    this.#afterProtocol();
    if (!this.#isClosed) this.#arm();
  }

  /** After input or a flush: the link may be dead, the window may have room, bytes may be readable. */
  #afterProtocol(): void {
    const control = this.#control;
    if (control.isDead) {
      this.fail(new KcpDeadLinkError('retransmissions', this.conv, control.deadTransmissions, 0));
      return;
    }
    this.#pump();
    this.#deliver();
  }

  #pump(): void {
    const control = this.#control;
    let queued = false;
    while (this.#writes.length > 0 && control.waitingSegments < control.sendWindow) {
      const write = this.#writes[0] as PendingWrite;
      const room = (control.sendWindow - control.waitingSegments) * control.mss;
      const end = Math.min(write.data.length, write.offset + room);
      control.send(write.data.subarray(write.offset, end));
      this.#counters.bytesWritten += end - write.offset;
      write.offset = end;
      queued = true;
      if (write.offset < write.data.length) break;
      this.#writes.shift();
      write.subscriber.next();
      write.subscriber.complete();
    }
    // kcptun turns write delay off: new data goes out now, not at the next interval.
    if (queued) control.flush();
  }

  #deliver(): void {
    const control = this.#control;
    while (this.#readers.size > 0 && !this.#userPaused && !this.#isClosed) {
      const chunk = control.receive();
      if (!chunk) break;
      this.#counters.bytesRead += chunk.length;
      for (const reader of [...this.#readers]) reader.next(chunk);
    }
  }

  #writeRefusal(): PortaError | undefined {
    if (this.#failure) return this.#failure;
    if (this.#isClosed) return new SocketClosedError(`KCP session ${this.id} is closed`);
    if (this.#ended) return new SocketClosedError(`KCP session ${this.id} was ended by end(): no more sends`);
    return undefined;
  }

  #finish(error: PortaError | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#failure = error;
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    const writes = this.#writes.splice(0);
    for (const w of writes)
      w.subscriber.error(
        error ?? new SocketClosedError(`KCP session ${this.id} closed before the bytes were queued`),
      );
    const readers = [...this.#readers];
    this.#readers.clear();
    for (const r of readers) {
      if (error) r.error(error);
      else r.complete();
    }
    this.#retransmissions.complete();
    this.#wire.closed(this);
    this.#closedSubject.next();
    this.#closedSubject.complete();
  }
}

/**
 * A session's own pipeline: its packet layer, with FEC inside when the options turn it on.
 * @internal
 */
export function sessionPipeline(options: ResolvedKcpSessionOptions): KcpPacketPipeline {
  return kcpPacketPipeline(options.packetLayer, {
    dataShards: options.dataShards,
    parityShards: options.parityShards,
  });
}
