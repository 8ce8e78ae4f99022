import { lengthField, SmuxProtocolError } from '@porta/core';
import type { OperatorFunction } from 'rxjs';

/**
 * smux's commands (xtaci/smux `frame.go`): the second byte of every frame header.
 *
 * @example
 * ```ts
 * const frame = parseSmuxFrame(encodeSmuxFrame({ version: 2, cmd: SmuxCommand.PSH, sid: 3, data: Uint8Array.of(1) }), 2);
 * if (frame.cmd === SmuxCommand.PSH) console.log(frame.sid, frame.data);
 * ```
 */
export const SmuxCommand = {
  /** Opens stream `sid`. */
  SYN: 0,
  /** Closes stream `sid` (the peer reads end of stream). */
  FIN: 1,
  /** Data for stream `sid`. */
  PSH: 2,
  /** Keepalive; sid 0. */
  NOP: 3,
  /** Version 2: window update, 8 bytes: consumed (uint32 LE) then window (uint32 LE). */
  UPD: 4,
} as const;

/** One of {@link SmuxCommand}'s values. */
export type SmuxCommand = (typeof SmuxCommand)[keyof typeof SmuxCommand];

/** Bytes of an smux header: version 1, cmd 1, length 2 (LE), stream id 4 (LE). */
export const SMUX_HEADER_LENGTH = 8;

/**
 * One smux frame.
 *
 * @example
 * ```ts
 * const syn: SmuxFrame = { version: 1, cmd: SmuxCommand.SYN, sid: 3, data: new Uint8Array(0) };
 * ```
 */
export interface SmuxFrame {
  readonly version: number;
  readonly cmd: SmuxCommand;
  readonly sid: number;
  readonly data: Uint8Array;
}

/**
 * Encodes one frame.
 *
 * @throws {@link @porta/core!SmuxProtocolError} for a payload over 65,535 bytes (the length field's limit).
 * @example
 * ```ts
 * declare const link: SmuxLink; // a KcpSession or a TcpConnection
 * link.send(encodeSmuxFrame({ version: 2, cmd: SmuxCommand.PSH, sid: 3, data }));
 * ```
 */
export function encodeSmuxFrame(frame: SmuxFrame): Uint8Array {
  if (frame.data.length > 0xffff) {
    throw new SmuxProtocolError(`an smux frame carries at most 65535 bytes, not ${frame.data.length}`);
  }
  const out = new Uint8Array(SMUX_HEADER_LENGTH + frame.data.length);
  const view = new DataView(out.buffer);
  out[0] = frame.version;
  out[1] = frame.cmd;
  view.setUint16(2, frame.data.length, true);
  view.setUint32(4, frame.sid >>> 0, true);
  out.set(frame.data, SMUX_HEADER_LENGTH);
  return out;
}

/**
 * Encodes a frame's 8-byte header alone, for a payload of `length` bytes sent right after it.
 *
 * @throws {@link @porta/core!SmuxProtocolError} for a length over 65,535.
 * @example
 * ```ts
 * declare const link: SmuxLink; // a KcpSession or a TcpConnection
 * link.send(encodeSmuxHeader(1, SmuxCommand.PSH, 3, payload.length));
 * link.send(payload);
 * ```
 */
export function encodeSmuxHeader(version: number, cmd: SmuxCommand, sid: number, length: number): Uint8Array {
  if (length > 0xffff)
    throw new SmuxProtocolError(`an smux frame carries at most 65535 bytes, not ${length}`);
  const out = new Uint8Array(SMUX_HEADER_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = version;
  out[1] = cmd;
  view.setUint16(2, length, true);
  view.setUint32(4, sid >>> 0, true);
  return out;
}

/**
 * Splits a byte stream into whole smux frames (header and payload), with core's `lengthField`:
 * a 2-byte little-endian length at offset 2, followed by the 4-byte stream id.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(smuxFrames()).subscribe((raw) => console.log(parseSmuxFrame(raw, 1)));
 * ```
 */
export function smuxFrames(): OperatorFunction<Uint8Array, Uint8Array> {
  return lengthField({
    lengthFieldOffset: 2,
    lengthFieldLength: 2,
    byteOrder: 'little',
    lengthAdjustment: 4,
    initialBytesToStrip: 0,
    maxFrameLength: SMUX_HEADER_LENGTH + 0xffff,
  });
}

/**
 * Reads one whole frame (as {@link smuxFrames} cuts them), checking what smux's `recvLoop` checks:
 * the version byte and the command; and what it assumes: SYN, FIN and NOP carry nothing, UPD carries 8 bytes.
 *
 * @throws {@link @porta/core!SmuxProtocolError} for a wrong version, an unknown command, or a payload the command cannot have.
 * @example
 * ```ts
 * const raw = Uint8Array.of(2, SmuxCommand.NOP, 0, 0, 0, 0, 0, 0); // version, cmd, length, sid
 * const frame = parseSmuxFrame(raw, 2);
 * ```
 */
export function parseSmuxFrame(raw: Uint8Array, version: number): SmuxFrame {
  const header = raw.subarray(0, SMUX_HEADER_LENGTH);
  if (raw[0] !== version) {
    throw new SmuxProtocolError(`smux frame of version ${raw[0]} on a version ${version} session`, header);
  }
  const cmd = raw[1] as number;
  const data = raw.subarray(SMUX_HEADER_LENGTH);
  if (cmd > SmuxCommand.UPD || (cmd === SmuxCommand.UPD && version < 2)) {
    throw new SmuxProtocolError(`unknown smux command ${cmd} (version ${version})`, header);
  }
  if (cmd === SmuxCommand.UPD ? data.length !== 8 : cmd !== SmuxCommand.PSH && data.length !== 0) {
    throw new SmuxProtocolError(`smux command ${cmd} with a ${data.length}-byte payload`, header);
  }
  const sid = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(4, true);
  return { version, cmd: cmd as SmuxCommand, sid, data };
}
