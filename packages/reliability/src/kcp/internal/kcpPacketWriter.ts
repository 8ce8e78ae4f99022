import { KCP_HEADER_LENGTH, type KcpSegment, writeKcpSegment } from '../kcpSegment.js';

/**
 * Packs segments into datagrams of at most `mtu` bytes, as ikcp.c's flush does: each segment is
 * appended to the packet being built, which goes out (through `output`) when the next segment
 * would not fit, and at the end of the flush. The first `reserved` bytes of every packet are left
 * for the packet layer's header, so it can fill them in place.
 */
export class KcpPacketWriter {
  /** Segments written, over the writer's life. */
  segments = 0;
  readonly #mtu: number;
  readonly #reserved: number;
  readonly #output: (packet: Uint8Array) => void;
  #buffer: Uint8Array;
  #used: number;

  constructor(mtu: number, reserved: number, output: (packet: Uint8Array) => void) {
    this.#mtu = mtu;
    this.#reserved = reserved;
    this.#output = output;
    this.#buffer = new Uint8Array(mtu);
    this.#used = reserved;
  }

  /** Appends a segment, sending the packet first when the segment would overflow it. */
  put(seg: KcpSegment): void {
    if (this.#used + KCP_HEADER_LENGTH + seg.data.length > this.#mtu) this.emit();
    this.#used = writeKcpSegment(this.#buffer, this.#used, seg);
    this.segments++;
  }

  /** Sends the packet being built, if it holds a segment. The packet is the receiver's to keep. */
  emit(): void {
    if (this.#used <= this.#reserved) return;
    const packet = this.#buffer.slice(0, this.#used);
    this.#used = this.#reserved;
    this.#output(packet);
  }
}
