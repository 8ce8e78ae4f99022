import { KcpMalformedError } from '@porta/core';
import { getU16LE, getU32LE, putU16LE, putU32LE } from './internal/kcpBytes.js';

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
/** The payload of every decoded segment without one. */
const EMPTY = new Uint8Array(0);

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
  const s = segment;
  return writeKcpSegmentFields(target, offset, s.conv, s.cmd, s.frg, s.wnd, s.ts, s.sn, s.una, s.data);
}

/**
 * {@link writeKcpSegment} from the fields themselves: the packet writer's path, with no segment
 * object per write. The caller sizes `target` (a RangeError otherwise, before anything is written
 * past its end).
 * @internal
 */
export function writeKcpSegmentFields(
  target: Uint8Array,
  offset: number,
  conv: number,
  cmd: KcpCommand,
  frg: number,
  wnd: number,
  ts: number,
  sn: number,
  una: number,
  data: Uint8Array,
): number {
  const end = offset + KCP_HEADER_LENGTH + data.length;
  if (offset < 0 || end > target.length) {
    throw new RangeError(`a ${end - offset}-byte KCP segment does not fit at ${offset} of ${target.length}`);
  }
  putU32LE(target, offset, conv);
  target[offset + 4] = cmd;
  target[offset + 5] = frg;
  putU16LE(target, offset + 6, wnd);
  putU32LE(target, offset + 8, ts);
  putU32LE(target, offset + 12, sn);
  putU32LE(target, offset + 16, una);
  putU32LE(target, offset + 20, data.length);
  target.set(data, offset + KCP_HEADER_LENGTH);
  return end;
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
 * Decodes every segment of a packet. Payloads are views into `packet`, not copies (an empty payload,
 * as every ACK's, is one shared empty array).
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
  const segments: KcpSegment[] = [];
  let offset = 0;
  while (packet.length - offset >= KCP_HEADER_LENGTH) {
    const cmd = packet[offset + 4] as number;
    if (!COMMANDS.has(cmd)) {
      throw new KcpMalformedError(`KCP segment at byte ${offset} has unknown command ${cmd}`, packet);
    }
    const len = getU32LE(packet, offset + 20);
    const start = offset + KCP_HEADER_LENGTH;
    if (len > packet.length - start) {
      throw new KcpMalformedError(
        `KCP segment at byte ${offset} declares ${len} payload bytes but only ${packet.length - start} follow`,
        packet,
      );
    }
    segments.push({
      conv: getU32LE(packet, offset),
      cmd: cmd as KcpCommand,
      frg: packet[offset + 5] as number,
      wnd: getU16LE(packet, offset + 6),
      ts: getU32LE(packet, offset + 8),
      sn: getU32LE(packet, offset + 12),
      una: getU32LE(packet, offset + 16),
      data: len === 0 ? EMPTY : packet.subarray(start, start + len),
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
  return getU32LE(packet, 0);
}
