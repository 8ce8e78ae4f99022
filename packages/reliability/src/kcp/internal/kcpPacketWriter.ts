import type { KcpControlStats } from '../kcpControlOptions.js';
import { KCP_HEADER_LENGTH, KcpCommand, writeKcpSegmentFields } from '../kcpSegment.js';
import { kcpSeqDiff as diff } from './kcpSequence.js';

const EMPTY = new Uint8Array(0);

/**
 * Packs segments into datagrams of at most `mtu` bytes, as ikcp.c's flush does: each segment is
 * appended to the packet being built, which goes out (through `output`) when the next segment
 * would not fit, and at the end of the flush. The first `reserved` bytes of every packet are left
 * for the packet layer's header, so it can fill them in place. Every segment written is counted in
 * `stats.segmentsSent`.
 */
export class KcpPacketWriter {
  readonly #conv: number;
  readonly #stats: KcpControlStats;
  readonly #mtu: number;
  readonly #reserved: number;
  readonly #output: (packet: Uint8Array) => void;
  #buffer: Uint8Array;
  #used: number;

  constructor(
    conv: number,
    mtu: number,
    reserved: number,
    output: (packet: Uint8Array) => void,
    stats: KcpControlStats,
  ) {
    this.#conv = conv;
    this.#stats = stats;
    this.#mtu = mtu;
    this.#reserved = reserved;
    this.#output = output;
    this.#buffer = new Uint8Array(mtu);
    this.#used = reserved;
  }

  /** Appends a segment of the session's conv, sending the packet first when the segment would overflow it. */
  put(
    cmd: KcpCommand,
    frg: number,
    wnd: number,
    ts: number,
    sn: number,
    una: number,
    data: Uint8Array,
  ): void {
    if (this.#used + KCP_HEADER_LENGTH + data.length > this.#mtu) this.emit();
    this.#used = writeKcpSegmentFields(
      this.#buffer,
      this.#used,
      this.#conv,
      cmd,
      frg,
      wnd,
      ts,
      sn,
      una,
      data,
    );
    this.#stats.segmentsSent++;
  }

  /** Appends a segment with no payload (WASK, WINS). */
  control(cmd: KcpCommand, wnd: number, una: number): void {
    this.put(cmd, 0, wnd, 0, 0, una, EMPTY);
  }

  /**
   * Appends the ACKs of `acks` (pairs of sn, ts), skipping, as kcp-go does, those below the
   * receiver's `una` but the last: the cumulative una covers them.
   */
  acks(acks: readonly number[], wnd: number, una: number): void {
    for (let i = 0; i < acks.length; i += 2) {
      const sn = acks[i] as number;
      if (diff(sn, una) >= 0 || i === acks.length - 2) {
        this.put(KcpCommand.ACK, 0, wnd, acks[i + 1] as number, sn, una, EMPTY);
      }
    }
  }

  /** Sends the packet being built, if it holds a segment. The packet is the receiver's to keep. */
  emit(): void {
    if (this.#used <= this.#reserved) return;
    const packet = this.#buffer.slice(0, this.#used);
    this.#used = this.#reserved;
    this.#output(packet);
  }
}
