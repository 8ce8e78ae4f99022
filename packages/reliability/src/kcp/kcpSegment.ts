import { KcpMalformedError } from '@porta/core';

/**
 * KCP's four commands, the `cmd` byte of a segment header (ikcp.c's `IKCP_CMD_*`).
 *
 * @example
 * ```ts
 * for (const segment of decodeKcpSegments(datagram.data)) {
 *   if (segment.cmd === KcpCommand.PUSH) console.log(segment.sn, segment.data);
 * }
 * ```
 */
export const KcpCommand = {
  /** Data. */
  PUSH: 81,
  /** Acknowledges one segment (`sn`), echoing its `ts` so the sender can time the round trip. */
  ACK: 82,
  /** Window probe: "tell me your window" (sent while the peer advertises 0). */
  WASK: 83,
  /** Window size: the answer to a probe (the window itself travels in every header's `wnd`). */
  WINS: 84,
} as const;

/** One of {@link KcpCommand}'s values. */
export type KcpCommand = (typeof KcpCommand)[keyof typeof KcpCommand];

/** Bytes of a KCP segment header: conv 4, cmd 1, frg 1, wnd 2, ts 4, sn 4, una 4, len 4. */
export const KCP_HEADER_LENGTH = 24;

/**
 * One KCP segment: the 24-byte little-endian header and its payload (`len` is `data.length`).
 *
 * @example
 * ```ts
 * const ack: KcpSegment = { conv: 7, cmd: KcpCommand.ACK, frg: 0, wnd: 128, ts: 1000, sn: 4, una: 5, data: new Uint8Array(0) };
 * ```
 */
export interface KcpSegment {
  /** Conversation id: both ends of a session use the same one. */
  readonly conv: number;
  readonly cmd: KcpCommand;
  /** Fragments that follow this one in the same message (0 for the last, and always in stream mode). */
  readonly frg: number;
  /** The sender's free receive window, in segments. */
  readonly wnd: number;
  /** Timestamp (ms, wrapping uint32): the send time for PUSH, the echoed PUSH time for ACK. */
  readonly ts: number;
  /** Sequence number (the acknowledged one for ACK). */
  readonly sn: number;
  /** Every sequence number below this one has been received (cumulative acknowledgement). */
  readonly una: number;
  readonly data: Uint8Array;
}

const COMMANDS = new Set<number>(Object.values(KcpCommand));

/**
 * Writes `segment` (header then payload) into `target` at `offset` and returns the offset after it.
 * The caller sizes `target`; each field is masked to its width, as the wire has no room for more.
 *
 * @example
 * ```ts
 * const data = new TextEncoder().encode('hello');
 * const packet = new Uint8Array(KCP_HEADER_LENGTH + data.length);
 * writeKcpSegment(packet, 0, { conv: 7, cmd: KcpCommand.PUSH, frg: 0, wnd: 32, ts: 0, sn: 0, una: 0, data });
 * ```
 */
export function writeKcpSegment(target: Uint8Array, offset: number, segment: KcpSegment): number {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(offset, segment.conv >>> 0, true);
  view.setUint8(offset + 4, segment.cmd);
  view.setUint8(offset + 5, segment.frg & 0xff);
  view.setUint16(offset + 6, segment.wnd & 0xffff, true);
  view.setUint32(offset + 8, segment.ts >>> 0, true);
  view.setUint32(offset + 12, segment.sn >>> 0, true);
  view.setUint32(offset + 16, segment.una >>> 0, true);
  view.setUint32(offset + 20, segment.data.length, true);
  target.set(segment.data, offset + KCP_HEADER_LENGTH);
  return offset + KCP_HEADER_LENGTH + segment.data.length;
}

/**
 * Encodes segments into one packet, as KCP packs ACKs and data into one datagram.
 *
 * @example
 * ```ts
 * const empty = new Uint8Array(0);
 * const ack: KcpSegment = { conv: 7, cmd: KcpCommand.ACK, frg: 0, wnd: 32, ts: 0, sn: 4, una: 5, data: empty };
 * const push: KcpSegment = { ...ack, cmd: KcpCommand.PUSH, sn: 5, data: Uint8Array.of(1) };
 * socket.send(encodeKcpSegments([ack, push]), toEndpoint({ address: '127.0.0.1', port: 29900 }));
 * ```
 */
export function encodeKcpSegments(segments: readonly KcpSegment[]): Uint8Array {
  let size = 0;
  for (const s of segments) size += KCP_HEADER_LENGTH + s.data.length;
  const packet = new Uint8Array(size);
  let offset = 0;
  for (const s of segments) offset = writeKcpSegment(packet, offset, s);
  return packet;
}

/**
 * Decodes every segment of a packet. Payloads are views into `packet`, not copies.
 *
 * The whole packet is checked before anything is returned, so a packet with one bad segment is
 * refused whole (ikcp.c would have acted on the segments before it). Fewer than 24 bytes left after
 * the last segment are ignored, as kcp-go ignores them.
 *
 * @throws {@link @porta/core!KcpMalformedError} for a packet shorter than one header, an unknown command, or a
 *   `len` that runs past the end of the packet.
 * @example
 * ```ts
 * for (const segment of decodeKcpSegments(datagram.data)) console.log(segment.cmd, segment.sn);
 * ```
 */
export function decodeKcpSegments(packet: Uint8Array): KcpSegment[] {
  if (packet.length < KCP_HEADER_LENGTH) {
    throw new KcpMalformedError(
      `KCP packet of ${packet.length} bytes is shorter than one ${KCP_HEADER_LENGTH}-byte header`,
      packet,
    );
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const segments: KcpSegment[] = [];
  let offset = 0;
  while (packet.length - offset >= KCP_HEADER_LENGTH) {
    const cmd = view.getUint8(offset + 4);
    if (!COMMANDS.has(cmd)) {
      throw new KcpMalformedError(`KCP segment at byte ${offset} has unknown command ${cmd}`, packet);
    }
    const len = view.getUint32(offset + 20, true);
    const start = offset + KCP_HEADER_LENGTH;
    if (len > packet.length - start) {
      throw new KcpMalformedError(
        `KCP segment at byte ${offset} declares ${len} payload bytes but only ${packet.length - start} follow`,
        packet,
      );
    }
    segments.push({
      conv: view.getUint32(offset, true),
      cmd: cmd as KcpCommand,
      frg: view.getUint8(offset + 5),
      wnd: view.getUint16(offset + 6, true),
      ts: view.getUint32(offset + 8, true),
      sn: view.getUint32(offset + 12, true),
      una: view.getUint32(offset + 16, true),
      data: packet.subarray(start, start + len),
    });
    offset = start + len;
  }
  return segments;
}

/**
 * The conv of a packet's first segment (kcp-go's listener picks a session by it), or undefined for
 * a packet shorter than a segment header.
 *
 * @example
 * ```ts
 * socket.datagrams.subscribe((d) => console.log('session', peekKcpConv(d.data) ?? 'not KCP'));
 * ```
 */
export function peekKcpConv(packet: Uint8Array): number | undefined {
  if (packet.length < KCP_HEADER_LENGTH) return undefined;
  return new DataView(packet.buffer, packet.byteOffset, packet.byteLength).getUint32(0, true);
}
