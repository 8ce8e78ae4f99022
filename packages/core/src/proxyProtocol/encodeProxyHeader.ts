import type { Endpoint } from '../endpoint.js';
import { EncodeError } from '../errors.js';
import { crc32c } from '../internal/crc32c.js';
import { ipv4Bytes, ipv6Bytes } from '../internal/ipBytes.js';
import {
  PROXY_TLV,
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxyCommand,
  type ProxyTlv,
  type ProxyTransport,
} from './proxyHeader.js';

/**
 * What {@link encodeProxyHeader} writes.
 *
 * @example
 * ```ts
 * const init: ProxyHeaderInit = { version: 2, source: client, destination: server, checksum: true };
 * ```
 */
export interface ProxyHeaderInit {
  readonly version: 1 | 2;
  /** Default `PROXY`. `LOCAL` (v2 only) announces no client: the receiver keeps the real peer. */
  readonly command?: ProxyCommand;
  /** Default `TCP` with addresses, `UNSPEC` without. v1 carries only `TCP` and `UNSPEC` (`UNKNOWN`). */
  readonly transport?: ProxyTransport;
  /** The client; with `destination`, both of one family. Absent: v1 `UNKNOWN`, v2 `AF_UNSPEC`. */
  readonly source?: Endpoint;
  readonly destination?: Endpoint;
  /** v2 TLVs, written in order. */
  readonly tlvs?: readonly ProxyTlv[];
  /** v2: append a `CRC32C` TLV over the whole header, so the receiver can check it. */
  readonly checksum?: boolean;
}

const encoder = new TextEncoder();

/**
 * Encodes a PROXY protocol header — what HAProxy's `send-proxy` (v1) and `send-proxy-v2` (v2) put
 * in front of a relayed connection — for clients and proxies written with porta, and for tests.
 * Refuses (`ENCODE`) what the version cannot carry: `LOCAL`, `UDP` or TLVs in v1, addresses of two
 * families, a port outside 0–65535, TLVs past the 16-bit length.
 *
 * @example
 * ```ts
 * const header = encodeProxyHeader({
 *   version: 1,
 *   source: endpoint('192.0.2.7', 51000),
 *   destination: endpoint('127.0.0.1', 1060),
 * }); // "PROXY TCP4 192.0.2.7 127.0.0.1 51000 1060\r\n"
 * ```
 */
export function encodeProxyHeader(init: ProxyHeaderInit): Uint8Array {
  const command = init.command ?? 'PROXY';
  const { source, destination } = init;
  if ((source === undefined) !== (destination === undefined)) {
    throw new EncodeError('PROXY header: give both source and destination, or neither');
  }
  if (source && destination) {
    if (source.family !== destination.family) {
      throw new EncodeError(
        `PROXY header: source is ${source.family} but destination is ${destination.family}`,
      );
    }
    for (const e of [source, destination]) {
      if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535) {
        throw new EncodeError(`PROXY header: port ${e.port} does not fit 0–65535`);
      }
    }
  }
  const transport = init.transport ?? (source ? 'TCP' : 'UNSPEC');
  return init.version === 1 ? encodeV1(init, command, transport) : encodeV2(init, command, transport);
}

function encodeV1(init: ProxyHeaderInit, command: ProxyCommand, transport: ProxyTransport): Uint8Array {
  if (command === 'LOCAL') throw new EncodeError('PROXY v1 has no LOCAL command (use UNKNOWN: no source)');
  if (transport === 'UDP') throw new EncodeError('PROXY v1 carries TCP only');
  if ((init.tlvs?.length ?? 0) > 0 || init.checksum) throw new EncodeError('PROXY v1 carries no TLVs');
  const { source, destination } = init;
  if (transport === 'UNSPEC' || !source || !destination) return encoder.encode('PROXY UNKNOWN\r\n');
  const bytesOf = source.family === 'IPv4' ? ipv4Bytes : ipv6Bytes;
  for (const e of [source, destination]) {
    if (bytesOf(e.address) === undefined)
      throw new EncodeError(`PROXY header: "${e.address}" is not ${e.family}`);
  }
  const protocol = source.family === 'IPv4' ? 'TCP4' : 'TCP6';
  const line = `PROXY ${protocol} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`;
  // Only uncompressed IPv6 text (or an IPv4 tail) can pass 107; the receiver would refuse it.
  if (line.length > PROXY_V1_MAX_LENGTH) {
    throw new EncodeError(`PROXY v1 line of ${line.length} bytes exceeds ${PROXY_V1_MAX_LENGTH}`);
  }
  return encoder.encode(line);
}

function encodeV2(init: ProxyHeaderInit, command: ProxyCommand, transport: ProxyTransport): Uint8Array {
  const { source, destination } = init;
  const proxied = command === 'PROXY' && source !== undefined && destination !== undefined;
  let address = new Uint8Array(0);
  let familyBits = 0;
  if (proxied) {
    if (transport === 'UNSPEC') throw new EncodeError('PROXY v2: addresses need transport TCP or UDP');
    const v4 = source.family === 'IPv4';
    const bytesOf = v4 ? ipv4Bytes : ipv6Bytes;
    const src = bytesOf(source.address);
    const dst = bytesOf(destination.address);
    if (!src || !dst) throw new EncodeError(`PROXY header: an address is not ${source.family}`);
    familyBits = v4 ? 1 : 2;
    address = new Uint8Array(2 * src.length + 4);
    address.set(src, 0);
    address.set(dst, src.length);
    const view = new DataView(address.buffer);
    view.setUint16(2 * src.length, source.port);
    view.setUint16(2 * src.length + 2, destination.port);
  } else if (command === 'PROXY' && transport !== 'UNSPEC') {
    throw new EncodeError(`PROXY v2: transport ${transport} needs source and destination`);
  }
  const protocolBits = !proxied ? 0 : transport === 'TCP' ? 1 : 2;
  const tlvs = [...(init.tlvs ?? [])];
  const checksumAt = init.checksum ? tlvs.reduce((n, t) => n + 3 + t.value.length, address.length) + 3 : -1;
  if (init.checksum) tlvs.push({ type: PROXY_TLV.CRC32C, value: new Uint8Array(4) });
  const length = tlvs.reduce((n, t) => n + 3 + t.value.length, address.length);
  if (length > 0xffff) throw new EncodeError(`PROXY v2: ${length} bytes after the fixed part exceed 65535`);

  const out = new Uint8Array(16 + length);
  out.set(PROXY_V2_SIGNATURE, 0);
  out[12] = 0x20 | (command === 'LOCAL' ? 0 : 1);
  out[13] = proxied ? (familyBits << 4) | protocolBits : 0;
  out[14] = length >> 8;
  out[15] = length & 0xff;
  out.set(address, 16);
  let at = 16 + address.length;
  for (const tlv of tlvs) {
    if (!Number.isInteger(tlv.type) || tlv.type < 0 || tlv.type > 0xff) {
      throw new EncodeError(`PROXY v2: TLV type ${tlv.type} does not fit a byte`);
    }
    out[at] = tlv.type;
    out[at + 1] = tlv.value.length >> 8;
    out[at + 2] = tlv.value.length & 0xff;
    out.set(tlv.value, at + 3);
    at += 3 + tlv.value.length;
  }
  if (checksumAt >= 0) new DataView(out.buffer).setUint32(16 + checksumAt, crc32c(out));
  return out;
}
