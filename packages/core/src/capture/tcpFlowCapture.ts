import {
  ACK,
  FIN,
  MAX_TCP_PAYLOAD,
  type PacketEndpoint,
  PSH,
  RST,
  SYN,
  tcpPacket,
} from './internal/ipPacket.js';
import type { CapturedPacketOptions, PacketCapture } from './packetCapture.js';

/** The options without the comment: for the extra segments one event makes. */
const timeOnly = (o: CapturedPacketOptions): CapturedPacketOptions =>
  o.at === undefined ? {} : { at: o.at };

/** Which end of a captured TCP connection sent something. */
export type TcpSide = 'client' | 'server';

interface Half {
  readonly endpoint: PacketEndpoint;
  /** The next sequence number this side sends. */
  next: number;
  finished: boolean;
}

/**
 * One TCP connection in a {@link PacketCapture}, made by {@link PacketCapture.tcp}: the byte stream
 * each side sends becomes segments (at most 65,495 bytes each) with sequence numbers that count
 * those bytes and acknowledgement numbers that count the other side's, so Wireshark's "Follow TCP
 * Stream" (`tshark -z follow,tcp,ascii,0`) reassembles the conversation. The handshake is recorded
 * when the flow is made; {@link TcpFlowCapture.fin} and {@link TcpFlowCapture.reset} end it.
 * Segments are as the application saw the stream — no retransmissions, no window updates.
 *
 * @example
 * ```ts
 * const capture = captureFile('tcp.pcapng');
 * const flow = capture.tcp({ address: '127.0.0.1', port: 50312 }, { address: '127.0.0.1', port: 1060 });
 * flow.data('client', encodeString('hello\n', 'utf8'));
 * flow.data('server', encodeString('HELLO\n', 'utf8'));
 * flow.fin('client');
 * flow.fin('server');
 * ```
 */
export class TcpFlowCapture {
  readonly #capture: PacketCapture;
  readonly #client: Half;
  readonly #server: Half;
  #reset = false;

  constructor(
    capture: PacketCapture,
    client: PacketEndpoint,
    server: PacketEndpoint,
    options: CapturedPacketOptions = {},
  ) {
    this.#capture = capture;
    // Initial sequence numbers of 0: Wireshark shows relative numbers anyway, and a reader of raw
    // numbers sees byte offsets.
    this.#client = { endpoint: client, next: 0, finished: false };
    this.#server = { endpoint: server, next: 0, finished: false };
    this.#segment(this.#client, this.#server, SYN, undefined, options);
    this.#client.next = 1;
    this.#segment(this.#server, this.#client, SYN | ACK, undefined, timeOnly(options));
    this.#server.next = 1;
    this.#segment(this.#client, this.#server, ACK, undefined, timeOnly(options));
  }

  /** True once both sides sent FIN, or the connection was reset. */
  get ended(): boolean {
    return this.#reset || (this.#client.finished && this.#server.finished);
  }

  /** Records `bytes` sent by `from`, split into segments that fit one IP packet. */
  data(from: TcpSide, bytes: Uint8Array, options: CapturedPacketOptions = {}): void {
    if (this.#reset || bytes.length === 0) return;
    const [sender, receiver] = this.#sides(from);
    if (sender.finished) return;
    for (let offset = 0; offset < bytes.length; offset += MAX_TCP_PAYLOAD) {
      const piece =
        offset === 0 && bytes.length <= MAX_TCP_PAYLOAD
          ? bytes
          : bytes.subarray(offset, offset + MAX_TCP_PAYLOAD);
      this.#segment(sender, receiver, PSH | ACK, piece, offset === 0 ? options : timeOnly(options), bytes);
      sender.next = (sender.next + piece.length) >>> 0;
    }
  }

  /** Records `from`'s FIN (it will send no more) and the other side's acknowledgement. Idempotent. */
  fin(from: TcpSide, options: CapturedPacketOptions = {}): void {
    if (this.#reset) return;
    const [sender, receiver] = this.#sides(from);
    if (sender.finished) return;
    this.#segment(sender, receiver, FIN | ACK, undefined, options);
    sender.next = (sender.next + 1) >>> 0;
    sender.finished = true;
    this.#segment(receiver, sender, ACK, undefined, timeOnly(options));
  }

  /** Records a reset sent by `from` (a connection that failed); nothing more is recorded after it. */
  reset(from: TcpSide, options: CapturedPacketOptions = {}): void {
    if (this.ended) return;
    const [sender, receiver] = this.#sides(from);
    this.#segment(sender, receiver, RST | ACK, undefined, options);
    this.#reset = true;
  }

  #sides(from: TcpSide): [Half, Half] {
    return from === 'client' ? [this.#client, this.#server] : [this.#server, this.#client];
  }

  #segment(
    sender: Half,
    receiver: Half,
    flags: number,
    payload: Uint8Array | undefined,
    options: CapturedPacketOptions,
    key?: Uint8Array,
  ): void {
    const segment =
      payload === undefined
        ? { seq: sender.next, ack: receiver.next, flags }
        : { seq: sender.next, ack: receiver.next, flags, payload };
    this.#capture.record(tcpPacket(sender.endpoint, receiver.endpoint, segment), key, options);
  }
}
