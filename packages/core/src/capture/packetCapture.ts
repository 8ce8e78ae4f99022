import type diagnosticsChannel from 'node:diagnostics_channel';
import {
  type AuthRejectMessage,
  type ImpairDropMessage,
  type OriginDropMessage,
  portaChannels,
  type RequestRejectMessage,
  type RequestReplyMessage,
  type RequestSendMessage,
} from '../diagnostics/portaChannels.js';
import { formatEndpoint } from '../endpoint.js';
import { type PacketEndpoint, udpPacket } from './internal/ipPacket.js';
import { pcapngEnhancedPacket, pcapngInterfaceDescription, pcapngSectionHeader } from './pcapng.js';
import { TcpFlowCapture } from './tcpFlowCapture.js';

/**
 * Options of a {@link PacketCapture}.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * new PacketCapture({ write: (bytes) => chunks.push(bytes), clock: () => net.now() });
 * ```
 */
export interface PacketCaptureOptions {
  /** Receives the pcapng bytes, in order: the headers at once, then packets as they are flushed. */
  readonly write: (bytes: Uint8Array) => void;
  /**
   * Milliseconds since 1970 (fractions kept to the nanosecond). Default: the wall clock, read with
   * `performance.now()`'s resolution. Pass a virtual clock (`() => scheduler.now()`) for virtual time.
   */
  readonly clock?: () => number;
  /** The interface's name in the capture (`if_name`). Default `porta`. */
  readonly name?: string;
  /**
   * Comment packets with the decisions porta makes about them, heard on porta's diagnostics
   * channels: retransmissions, rejected replies and spoofs, origin-filter and impairment drops,
   * refused replays, accepted replies. Default true.
   */
  readonly decisions?: boolean;
  /** Called once by {@link PacketCapture.close}, after the last bytes were written (close a file). */
  readonly onClose?: () => void;
}

/** Extra facts of one recorded packet. */
export interface CapturedPacketOptions {
  /** When, in the capture clock's milliseconds. Default: the clock now. */
  readonly at?: number;
  /** A comment on the packet. */
  readonly comment?: string;
  /**
   * The object {@link PacketCapture.commentNext} comments were announced for, when the packet
   * carries a copy of it (the simulated network copies what it sends). Default: the payload itself.
   */
  readonly announcedAs?: Uint8Array;
}

interface HeldPacket {
  readonly timestampNs: bigint;
  readonly data: Uint8Array;
  /** The payload object it carried, to find it again for a decision about it. */
  readonly key: Uint8Array | undefined;
  comments: string[] | undefined;
}

/** Packets kept back for comments; a decision about a packet comes in the same tick as it. */
const MAX_HELD = 1024;

/** Milliseconds to nanoseconds, whole milliseconds exactly (a double holds 1.7e18 ns only roughly). */
function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

function wallClockNs(): bigint {
  return BigInt(Math.round(performance.timeOrigin * 1e6)) + BigInt(Math.round(performance.now() * 1e6));
}

/**
 * A packet capture in pcapng (open it in Wireshark, or read it with `tshark -r`): the traffic of
 * porta's sockets as the application sees it, on one raw-IP interface with nanosecond timestamps.
 * Datagrams become IPv4/IPv6 + UDP packets; a TCP connection becomes synthesized segments with a
 * handshake, consistent sequence and acknowledgement numbers and FIN ({@link PacketCapture.tcp}),
 * so "Follow TCP Stream" reassembles it. Checksums are correct.
 *
 * Give it to a socket (`bindUdp({ capture })`, `connectUdp(server, { capture })`,
 * `connectTcp({ …, capture })`, `listenTcp({ capture })`, `new SimNetwork({ capture })`); with
 * `decisions` (the default) porta's decisions become packet comments: "retransmit, attempt 2",
 * "requester rejected: wrongOrigin", "impairment dropped it", "verify rejected: replay". Packets are
 * held until the end of the current tick so that a decision about them can still be written, then
 * flushed to `write`. {@link PacketCapture.close} flushes and stops listening.
 *
 * @example
 * ```ts
 * const capture = captureFile('udp.pcapng');
 * bindUdp({ port: 1060, capture })
 *   .pipe(switchMap((socket) => socket.datagrams.pipe(take(10))))
 *   .subscribe({ complete: () => capture.close() });
 * // tshark -r udp.pcapng
 * ```
 */
export class PacketCapture {
  readonly #write: (bytes: Uint8Array) => void;
  readonly #clock: (() => number) | undefined;
  readonly #onClose: (() => void) | undefined;
  readonly #held: HeldPacket[] = [];
  /** Comments for packets not yet recorded, by the payload they will carry. */
  readonly #pending = new WeakMap<Uint8Array, string[]>();
  readonly #unsubscribe: (() => void)[] = [];
  #note: string | undefined;
  #flushQueued = false;
  #closed = false;
  #packets = 0;

  constructor(options: PacketCaptureOptions) {
    this.#write = options.write;
    this.#clock = options.clock;
    this.#onClose = options.onClose;
    this.#write(pcapngSectionHeader('porta'));
    this.#write(pcapngInterfaceDescription({ name: options.name ?? 'porta' }));
    if (options.decisions ?? true) this.#listenForDecisions();
  }

  /** Packets recorded so far. */
  get packets(): number {
    return this.#packets;
  }

  /** True once {@link PacketCapture.close} was called: further packets are ignored. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Records one UDP datagram from `from` to `to`. A comment given earlier with
   * {@link PacketCapture.commentNext} for this very `data` object is attached.
   */
  datagram(
    from: PacketEndpoint,
    to: PacketEndpoint,
    data: Uint8Array,
    options: CapturedPacketOptions = {},
  ): void {
    if (this.#closed) return;
    this.record(udpPacket(from, to, data), data, options);
  }

  /**
   * Starts a TCP connection from `client` to `server`: records the three-way handshake and returns
   * the flow, which records each side's bytes as segments and the FINs.
   */
  tcp(client: PacketEndpoint, server: PacketEndpoint, options: CapturedPacketOptions = {}): TcpFlowCapture {
    return new TcpFlowCapture(this, client, server, options);
  }

  /**
   * Comments the packet carrying `data` that was just recorded (a decision about a packet received
   * this tick). Nothing happens if it is not held any more or was never captured.
   */
  comment(data: Uint8Array, text: string): void {
    for (let i = this.#held.length - 1; i >= 0; i--) {
      const packet = this.#held[i]!;
      if (packet.key === data) {
        (packet.comments ??= []).push(text);
        return;
      }
    }
  }

  /** Comments the next packet recorded with this very `data` object (a decision about a send to come). */
  commentNext(data: Uint8Array, text: string): void {
    const list = this.#pending.get(data);
    if (list === undefined) this.#pending.set(data, [text]);
    else list.push(text);
  }

  /**
   * Comments the next packet recorded, whatever it carries: a marker such as "step 2: tcp-16". A
   * second call before any packet replaces the first.
   */
  noteNext(text: string): void {
    this.#note = text;
  }

  /**
   * @internal Records a finished IP packet (used by the UDP and TCP recorders). `key` is the payload
   * object, matched by {@link PacketCapture.comment} and {@link PacketCapture.commentNext}.
   */
  record(packet: Uint8Array, key: Uint8Array | undefined, options: CapturedPacketOptions = {}): void {
    if (this.#closed) return;
    const at = options.at ?? this.#clock?.();
    const timestampNs = at === undefined ? wallClockNs() : msToNs(at);
    let comments: string[] | undefined;
    const announced = options.announcedAs ?? key;
    if (announced !== undefined) {
      comments = this.#pending.get(announced);
      if (comments !== undefined) this.#pending.delete(announced);
    }
    if (this.#note !== undefined) {
      comments = [this.#note, ...(comments ?? [])];
      this.#note = undefined;
    }
    if (options.comment !== undefined) (comments ??= []).push(options.comment);
    this.#held.push({ timestampNs, data: packet, key, comments });
    this.#packets++;
    if (this.#held.length > MAX_HELD) this.#writeHeld(this.#held.length - MAX_HELD);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.flush();
      });
    }
  }

  /** Writes every held packet now. */
  flush(): void {
    this.#writeHeld(this.#held.length);
  }

  /** Flushes and stops: later packets are ignored, the decision channels are left. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#onClose?.();
  }

  #writeHeld(n: number): void {
    for (const packet of this.#held.splice(0, n)) {
      const block = pcapngEnhancedPacket(
        packet.comments === undefined
          ? { timestampNs: packet.timestampNs, data: packet.data }
          : { timestampNs: packet.timestampNs, data: packet.data, comments: packet.comments },
      );
      this.#write(block);
    }
  }

  #on<M>(channel: diagnosticsChannel.Channel, handle: (message: M) => void): void {
    const listener = (message: unknown) => handle(message as M);
    channel.subscribe(listener);
    this.#unsubscribe.push(() => channel.unsubscribe(listener));
  }

  #listenForDecisions(): void {
    const c = portaChannels;
    this.#on<RequestSendMessage>(c.requestSend, (m) => {
      if (m.attempt > 1)
        this.commentNext(m.data, `retransmit, attempt ${m.attempt} (then waits ${m.waitMs} ms)`);
    });
    this.#on<RequestReplyMessage>(c.requestReply, (m) => {
      const rtt = m.rttMs === undefined ? '' : `, RTT ${m.rttMs} ms`;
      const attempt = m.attempt === undefined ? '' : ` to attempt ${m.attempt}`;
      this.comment(m.data, `requester accepted the reply${attempt}${rtt}`);
    });
    this.#on<RequestRejectMessage>(c.requestReject, (m) => {
      const expected = m.expected === undefined ? '' : `, expected from ${formatEndpoint(m.expected)}`;
      this.comment(m.data, `requester rejected: ${m.reason} (from ${formatEndpoint(m.remote)}${expected})`);
    });
    this.#on<OriginDropMessage>(c.originDrop, (m) => {
      this.comment(
        m.data,
        `filterOrigin dropped: from ${formatEndpoint(m.remote)}, expected ${formatEndpoint(m.expected)}`,
      );
    });
    this.#on<ImpairDropMessage>(c.impairDrop, (m) => {
      if (m.data !== undefined) this.comment(m.data, 'impairment dropped it');
    });
    this.#on<AuthRejectMessage>(c.authReject, (m) => {
      const why = m.reason === 'replay' ? `replay refused (counter ${m.counter ?? '?'})` : m.reason;
      this.comment(m.data, `verify rejected: ${why}`);
    });
  }
}
