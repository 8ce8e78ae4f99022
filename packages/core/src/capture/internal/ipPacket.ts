import type { Endpoint } from '../../endpoint.js';

/** What a packet needs of an endpoint: its address and port (the family follows from the address). */
export type PacketEndpoint = Pick<Endpoint, 'address' | 'port'>;

import { isIpv4, parseIpv6 } from '../../internal/ip.js';

/**
 * Synthesized IP packets for a capture (LINKTYPE_RAW): the IPv4 or IPv6 header, then a UDP or TCP
 * header with its checksum over the pseudo-header, so Wireshark shows them as sound packets.
 */

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

/** TCP header flags. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

/** Largest TCP payload that fits one IPv4 packet (65,535 − 20 − 20), used for IPv6 too. */
export const MAX_TCP_PAYLOAD = 65_495;

/** Both ends of a packet as address bytes of one family. */
export interface IpPair {
  readonly version: 4 | 6;
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
}

function v4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

/** IPv4 bytes of an IPv4 literal, an IPv4-mapped IPv6 one, or the unspecified `::`; else undefined. */
function asV4(address: string): Uint8Array | undefined {
  if (isIpv4(address)) return v4Bytes(address);
  const v6 = parseIpv6(address);
  if (v6 === undefined) return undefined;
  const g = v6.groups;
  if (g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0) return undefined;
  if (g[5] === 0xffff) return Uint8Array.of(g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255);
  if (g[5] === 0 && g[6] === 0 && g[7] === 0) return new Uint8Array(4); // '::' beside an IPv4 peer
  return undefined;
}

function v6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const v6 = isIpv4(address) ? parseIpv6(`::ffff:${address}`) : parseIpv6(address);
  if (v6 === undefined) return bytes;
  v6.groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 255;
  });
  return bytes;
}

/**
 * The IP addresses of a packet from `from` to `to`. IPv4 when both ends are IPv4 or IPv4-mapped (a
 * dual-stack socket's view of an IPv4 peer is an IPv4 packet on the wire); IPv6 otherwise, an IPv4
 * end then written mapped. A zone id is dropped (the wire carries none); an address that is no IP
 * literal is written as zeros rather than failing the capture.
 */
export function ipPair(from: PacketEndpoint, to: PacketEndpoint): IpPair {
  const s4 = asV4(from.address);
  const d4 = asV4(to.address);
  // Two '::' stay IPv6: only a real IPv4 address on one side makes the pair IPv4.
  if (s4 !== undefined && d4 !== undefined && (nonZero(s4) || nonZero(d4) || isIpv4(from.address))) {
    return { version: 4, source: s4, destination: d4 };
  }
  return { version: 6, source: v6Bytes(from.address), destination: v6Bytes(to.address) };
}

const nonZero = (bytes: Uint8Array) => bytes.some((x) => x !== 0);

/** Ones' complement sum of 16-bit big-endian words (RFC 1071), not yet complemented. */
function sum16(bytes: Uint8Array, start: number, end: number, acc: number): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (RFC 1071) of `bytes[start, end)`. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~sum16(bytes, start, end, 0) & 0xffff;
}

let ipv4Id = 0;

/** An IP packet of `protocol` around `transport` (its header and payload), checksum filled in at `checksumAt`. */
function ipPacket(pair: IpPair, protocol: number, transport: Uint8Array, checksumAt: number): Uint8Array {
  const header = pair.version === 4 ? 20 : 40;
  const packet = new Uint8Array(header + transport.length);
  const view = new DataView(packet.buffer);
  if (pair.version === 4) {
    packet[0] = 0x45;
    view.setUint16(2, packet.length);
    view.setUint16(4, ipv4Id);
    ipv4Id = (ipv4Id + 1) & 0xffff;
    view.setUint16(6, 0x4000); // don't fragment
    packet[8] = 64;
    packet[9] = protocol;
    packet.set(pair.source, 12);
    packet.set(pair.destination, 16);
    view.setUint16(10, internetChecksum(packet, 0, 20));
  } else {
    view.setUint32(0, 0x60000000);
    view.setUint16(4, transport.length);
    packet[6] = protocol;
    packet[7] = 64;
    packet.set(pair.source, 8);
    packet.set(pair.destination, 24);
  }
  packet.set(transport, header);
  // Pseudo-header: both addresses, the protocol and the transport length (RFC 768, RFC 8200 §8.1).
  let acc = sum16(pair.source, 0, pair.source.length, 0);
  acc = sum16(pair.destination, 0, pair.destination.length, acc);
  acc += protocol + (transport.length & 0xffff) + Math.floor(transport.length / 0x10000);
  let checksum = ~sum16(packet, header, packet.length, acc) & 0xffff;
  // UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768).
  if (protocol === PROTO_UDP && checksum === 0) checksum = 0xffff;
  view.setUint16(header + checksumAt, checksum);
  return packet;
}

/** An IPv4 or IPv6 packet carrying one UDP datagram from `from` to `to`. */
export function udpPacket(from: PacketEndpoint, to: PacketEndpoint, payload: Uint8Array): Uint8Array {
  const udp = new Uint8Array(8 + payload.length);
  const view = new DataView(udp.buffer);
  view.setUint16(0, from.port);
  view.setUint16(2, to.port);
  view.setUint16(4, udp.length & 0xffff);
  udp.set(payload, 8);
  return ipPacket(ipPair(from, to), PROTO_UDP, udp, 6);
}

/** One TCP segment's header fields. */
export interface TcpSegment {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly payload?: Uint8Array;
}

/** An IPv4 or IPv6 packet carrying one TCP segment (no options, window 65535). */
export function tcpPacket(from: PacketEndpoint, to: PacketEndpoint, segment: TcpSegment): Uint8Array {
  const payload = segment.payload ?? new Uint8Array(0);
  const tcp = new Uint8Array(20 + payload.length);
  const view = new DataView(tcp.buffer);
  view.setUint16(0, from.port);
  view.setUint16(2, to.port);
  view.setUint32(4, segment.seq >>> 0);
  view.setUint32(8, (segment.flags & ACK) === 0 ? 0 : segment.ack >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = segment.flags;
  view.setUint16(14, 65_535);
  tcp.set(payload, 20);
  return ipPacket(ipPair(from, to), PROTO_TCP, tcp, 16);
}
