/**
 * The pcapng file format (draft-ietf-opsawg-pcapng; Wireshark's native format), as pure bytes: the
 * three blocks a capture needs — a Section Header Block, an Interface Description Block and
 * Enhanced Packet Blocks — written little-endian (the byte-order magic tells readers which).
 * Every block is `type, total length, body, options, total length`, padded to 32 bits.
 */

/** LINKTYPE_RAW: packets begin with an IPv4 or IPv6 header (the version nibble says which). */
export const LINKTYPE_RAW = 101;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const encoder = new TextEncoder();

/** One option of a block: a code and its value (text is written as UTF-8). */
interface BlockOption {
  readonly code: number;
  readonly value: Uint8Array;
}

const pad4 = (n: number) => (n + 3) & ~3;

function optionsLength(options: readonly BlockOption[]): number {
  if (options.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  return n;
}

/** Writes a block of `type` whose fixed body is `bodyLength` bytes, filled in by `fill`. */
function block(
  type: number,
  bodyLength: number,
  fill: (view: DataView, bytes: Uint8Array) => void,
  options: readonly BlockOption[],
): Uint8Array {
  const total = 12 + pad4(bodyLength) + optionsLength(options);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  fill(new DataView(bytes.buffer, 8, bodyLength), bytes.subarray(8, 8 + bodyLength));
  let at = 8 + pad4(bodyLength);
  if (options.length > 0) {
    for (const o of options) {
      if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code} is longer than 65535 bytes`);
      view.setUint16(at, o.code, true);
      view.setUint16(at + 2, o.value.length, true);
      bytes.set(o.value, at + 4);
      at += 4 + pad4(o.value.length);
    }
    view.setUint16(at, OPT_ENDOFOPT, true); // and a zero length: already zero
    at += 4;
  }
  view.setUint32(at, total, true);
  return bytes;
}

const text = (code: number, value: string): BlockOption => ({ code, value: encoder.encode(value) });

/**
 * A Section Header Block: the first block of every pcapng file (version 1.0, section length
 * unknown), naming the application that wrote it.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * declare const ipPacket: Uint8Array; // one raw IPv4 or IPv6 packet
 * const packet = pcapngEnhancedPacket({ timestampNs: 0n, data: ipPacket });
 * writeFileSync('one.pcapng', Buffer.concat([pcapngSectionHeader('porta'), pcapngInterfaceDescription(), packet]));
 * ```
 */
export function pcapngSectionHeader(application?: string): Uint8Array {
  const options = application === undefined ? [] : [text(SHB_USERAPPL, application)];
  return block(
    SHB,
    16,
    (view) => {
      view.setUint32(0, BYTE_ORDER_MAGIC, true);
      view.setUint16(4, 1, true);
      view.setUint16(6, 0, true);
      view.setBigInt64(8, -1n, true); // section length not given: readers walk the blocks
    },
    options,
  );
}

/**
 * Options of {@link pcapngInterfaceDescription}.
 *
 * @example
 * ```ts
 * pcapngInterfaceDescription({ name: 'porta', linkType: LINKTYPE_RAW });
 * ```
 */
export interface PcapngInterfaceOptions {
  /** The link layer of the interface's packets. Default {@link LINKTYPE_RAW}. */
  readonly linkType?: number;
  /** Longest packet kept whole; 0 is no limit. Default 262144 (as tcpdump's). */
  readonly snapLength?: number;
  /** `if_name`: shown by Wireshark in the capture's properties. */
  readonly name?: string;
}

/**
 * An Interface Description Block with `if_tsresol` = 9: this interface's timestamps count
 * nanoseconds (the format's default is microseconds).
 *
 * @example
 * ```ts
 * pcapngInterfaceDescription({ name: 'porta udp' }); // interface 0 of the section
 * ```
 */
export function pcapngInterfaceDescription(options: PcapngInterfaceOptions = {}): Uint8Array {
  const linkType = options.linkType ?? LINKTYPE_RAW;
  const snapLength = options.snapLength ?? 262_144;
  const blockOptions: BlockOption[] = [];
  if (options.name !== undefined) blockOptions.push(text(IF_NAME, options.name));
  blockOptions.push({ code: IF_TSRESOL, value: Uint8Array.of(9) });
  return block(
    IDB,
    8,
    (view) => {
      view.setUint16(0, linkType, true);
      view.setUint32(4, snapLength, true);
    },
    blockOptions,
  );
}

/**
 * What one {@link pcapngEnhancedPacket} holds.
 *
 * @example
 * ```ts
 * const packet: PcapngPacket = { timestampNs: 1_700_000_000_000_000_000n, data, comments: ['retransmit, attempt 2'] };
 * ```
 */
export interface PcapngPacket {
  /** Index of its Interface Description Block in the section. Default 0. */
  readonly interfaceId?: number;
  /** When, in nanoseconds since 1970 (the interface's `if_tsresol` is 9). */
  readonly timestampNs: bigint;
  /** The packet's bytes as captured, link-layer header first. */
  readonly data: Uint8Array;
  /** Its length on the wire, when more than was captured. Default `data.length`. */
  readonly originalLength?: number;
  /** `opt_comment`s: shown by Wireshark as packet comments (`frame.comment` in tshark 4.0). */
  readonly comments?: readonly string[];
}

/**
 * An Enhanced Packet Block: one packet, its timestamp and its comments.
 *
 * @example
 * ```ts
 * declare const ipPacket: Uint8Array; // one raw IPv4 or IPv6 packet
 * sink(pcapngEnhancedPacket({ timestampNs: BigInt(Date.now()) * 1_000_000n, data: ipPacket }));
 * ```
 */
export function pcapngEnhancedPacket(packet: PcapngPacket): Uint8Array {
  const { data } = packet;
  const options = (packet.comments ?? []).map((c) => text(OPT_COMMENT, c));
  const ts = BigInt.asUintN(64, packet.timestampNs);
  return block(
    EPB,
    20 + data.length,
    (view, body) => {
      view.setUint32(0, packet.interfaceId ?? 0, true);
      view.setUint32(4, Number(ts >> 32n), true);
      view.setUint32(8, Number(ts & 0xffffffffn), true);
      view.setUint32(12, data.length, true);
      view.setUint32(16, packet.originalLength ?? data.length, true);
      body.set(data, 20);
    },
    options,
  );
}
