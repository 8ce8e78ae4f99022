import type { ChunkQueue } from '../bytes/chunkQueue.js';
import type { Endpoint } from '../endpoint.js';
import { ProxyProtocolError, TruncatedError } from '../errors.js';
import type { Decoder } from '../framing/decoder.js';
import { crc32c } from '../internal/crc32c.js';
import { isIpv4 } from '../internal/ip.js';
import { canonicalIpv6, formatIpv4, formatIpv6 } from '../internal/ipBytes.js';
import { checkInteger } from '../optionChecks.js';
import {
  PROXY_TLV,
  PROXY_V1_MAX_LENGTH,
  PROXY_V1_SIGNATURE,
  PROXY_V2_SIGNATURE,
  type ProxyCommand,
  type ProxyHeader,
  type ProxySslInfo,
  type ProxyTlv,
  type ProxyTransport,
} from './proxyHeader.js';

/**
 * Options of {@link proxyHeaderDecoder}.
 *
 * @example
 * ```ts
 * proxyHeaderDecoder({ maxHeaderLength: 16 + 4096 });
 * ```
 */
export interface ProxyHeaderDecoderOptions {
  /**
   * The longest v2 header accepted, signature included (16 + its length field). Checked on the
   * 16-byte fixed part, before the rest is buffered. Default 16 + 2048: addresses, ALPN, authority,
   * a unique id and an SSL block fit many times over. The protocol's own limit is 16 + 65,535.
   */
  readonly maxHeaderLength?: number;
}

const DEFAULT_MAX_HEADER = 16 + 2048;
const V2_FIXED = 16;
const CR = 0x0d;
const LF = 0x0a;
const UNIQUE_ID_MAX = 128;
const text = new TextDecoder('utf-8');
const ascii = new TextDecoder('latin1');

/**
 * A {@link Decoder} of one PROXY protocol header, v1 (text) or v2 (binary), told apart by their
 * signatures as HAProxy's specification says; it reports `done` after the header, so the bytes
 * behind it are the connection's own.
 *
 * Bounded in size: a v1 line must end (CRLF) within 107 bytes; a v2 header's length is checked
 * against `maxHeaderLength` on its fixed 16 bytes, before the rest is buffered. Bytes that cannot
 * begin either signature fail at once, without waiting for more. Every failure is a
 * {@link ProxyProtocolError} (`PROXY_PROTOCOL`) naming what was wrong and the bytes received; the
 * stream ending inside a header is a `TRUNCATED` error. A `CRC32C` TLV, when present, is checked.
 *
 * @example
 * ```ts
 * bytes$.pipe(decodeWith(() => proxyHeaderDecoder())).subscribe((h) => console.log(h.source));
 * ```
 */
export function proxyHeaderDecoder(options: ProxyHeaderDecoderOptions = {}): Decoder<ProxyHeader> {
  const maxHeader = checkInteger(
    options.maxHeaderLength ?? DEFAULT_MAX_HEADER,
    'proxyHeaderDecoder: maxHeaderLength',
    V2_FIXED,
    V2_FIXED + 0xffff,
  );
  let done = false;
  const decoder: Decoder<ProxyHeader> = {
    maxBuffered: Math.max(maxHeader, PROXY_V1_MAX_LENGTH) - 1,
    get done() {
      return done;
    },
    decode(buf: ChunkQueue): ProxyHeader | undefined {
      if (done || buf.length === 0) return undefined;
      const header = decodeOne(buf, maxHeader);
      if (header !== undefined) done = true;
      return header;
    },
    decodeEnd(buf: ChunkQueue): ProxyHeader | undefined {
      const header = decoder.decode(buf);
      if (header === undefined && !done) throw new TruncatedError(undefined, buf.length, 'PROXY header');
      return header;
    },
  };
  return decoder;
}

function decodeOne(buf: ChunkQueue, maxHeader: number): ProxyHeader | undefined {
  const first = buf.byteAt(0);
  if (first === PROXY_V2_SIGNATURE[0]) {
    checkPrefix(buf, PROXY_V2_SIGNATURE);
    if (buf.length < V2_FIXED) return undefined;
    const versionCommand = buf.byteAt(12);
    if (versionCommand >> 4 !== 2) {
      fail(buf, `v2 signature followed by version ${versionCommand >> 4}, not 2`, V2_FIXED);
    }
    const total = V2_FIXED + buf.readUint(14, 2, false);
    if (total > maxHeader) {
      fail(buf, `v2 header of ${total} bytes exceeds maxHeaderLength ${maxHeader}`, V2_FIXED);
    }
    if (buf.length < total) return undefined;
    return decodeV2(buf.peekCopy(0, total), () => buf.skip(total));
  }
  if (first === PROXY_V1_SIGNATURE[0]) {
    checkPrefix(buf, PROXY_V1_SIGNATURE);
    const window = Math.min(buf.length, PROXY_V1_MAX_LENGTH);
    const lf = buf.indexOf(LF);
    if (lf < 0 || lf >= window) {
      if (buf.length >= PROXY_V1_MAX_LENGTH) {
        fail(buf, `v1 line has no CRLF within ${PROXY_V1_MAX_LENGTH} bytes`, PROXY_V1_MAX_LENGTH);
      }
      return undefined;
    }
    if (lf === 0 || buf.byteAt(lf - 1) !== CR) fail(buf, 'v1 line ends with a bare LF, not CRLF', lf + 1);
    const line = buf.peekCopy(0, lf + 1);
    const header = decodeV1(line);
    buf.skip(lf + 1);
    return header;
  }
  fail(buf, 'not a PROXY header: the bytes begin neither the v1 nor the v2 signature', 16);
}

/** Fails as soon as a buffered byte departs from the signature, not after a whole header's worth. */
function checkPrefix(buf: ChunkQueue, signature: Uint8Array): void {
  const n = Math.min(buf.length, signature.length);
  for (let i = 0; i < n; i++) {
    if (buf.byteAt(i) !== signature[i]) {
      fail(buf, 'not a PROXY header: the bytes begin neither the v1 nor the v2 signature', 16);
    }
  }
}

function fail(buf: ChunkQueue, reason: string, show: number): never {
  throw new ProxyProtocolError(reason, buf.peekCopy(0, Math.min(buf.length, show)));
}

function failBytes(bytes: Uint8Array, reason: string): never {
  throw new ProxyProtocolError(reason, bytes.subarray(0, Math.min(bytes.length, 32)));
}

// ---- v1 ------------------------------------------------------------------------------------------

const PORT = /^(0|[1-9]\d{0,4})$/;

function decodeV1(line: Uint8Array): ProxyHeader {
  const length = line.length;
  for (let i = 0; i < length - 2; i++) {
    const b = line[i]!;
    if (b < 0x20 || b > 0x7e)
      failBytes(line, `v1 line holds a non-printable byte 0x${b.toString(16)} at ${i}`);
  }
  const words = ascii.decode(line.subarray(0, length - 2)).split(' ');
  const protocol = words[1];
  if (protocol === 'UNKNOWN') {
    // The specification: the receiver ignores whatever follows UNKNOWN and keeps the real endpoints.
    return { version: 1, command: 'PROXY', transport: 'UNSPEC', tlvs: [], length };
  }
  if (protocol !== 'TCP4' && protocol !== 'TCP6') {
    failBytes(line, `v1 protocol "${protocol ?? ''}" is not TCP4, TCP6 or UNKNOWN`);
  }
  if (words.length !== 6) {
    failBytes(line, `v1 ${protocol} line has ${words.length - 2} fields, not 4 (single spaces between them)`);
  }
  const family = protocol === 'TCP4' ? 'IPv4' : 'IPv6';
  const address = (word: string, what: string): string => {
    if (family === 'IPv4') {
      if (!isIpv4(word)) failBytes(line, `v1 ${what} address "${word}" is not a dotted-quad IPv4 address`);
      return word;
    }
    const canonical = word.includes('%') ? undefined : canonicalIpv6(word);
    if (canonical === undefined) failBytes(line, `v1 ${what} address "${word}" is not an IPv6 address`);
    return canonical;
  };
  const port = (word: string, what: string): number => {
    const value = PORT.test(word) ? Number(word) : Number.NaN;
    if (!(value <= 65535)) failBytes(line, `v1 ${what} port "${word}" is not a decimal from 0 to 65535`);
    return value;
  };
  const source: Endpoint = { address: address(words[2]!, 'source'), port: port(words[4]!, 'source'), family };
  const destination: Endpoint = {
    address: address(words[3]!, 'destination'),
    port: port(words[5]!, 'destination'),
    family,
  };
  return { version: 1, command: 'PROXY', transport: 'TCP', source, destination, tlvs: [], length };
}

// ---- v2 ------------------------------------------------------------------------------------------

function decodeV2(bytes: Uint8Array, consume: () => void): ProxyHeader {
  const commandBits = bytes[12]! & 0x0f;
  if (commandBits > 1)
    failBytes(bytes, `v2 command 0x${commandBits.toString(16)} is neither LOCAL nor PROXY`);
  const command: ProxyCommand = commandBits === 0 ? 'LOCAL' : 'PROXY';
  const familyProtocol = bytes[13]!;
  const familyBits = familyProtocol >> 4;
  const protocolBits = familyProtocol & 0x0f;
  const known =
    familyProtocol === 0 || (familyBits >= 1 && familyBits <= 3 && protocolBits >= 1 && protocolBits <= 2);
  if (!known)
    failBytes(
      bytes,
      `v2 family/protocol byte 0x${familyProtocol.toString(16).padStart(2, '0')} is not defined`,
    );
  const transport: ProxyTransport = protocolBits === 1 ? 'TCP' : protocolBits === 2 ? 'UDP' : 'UNSPEC';
  const addressLength = familyBits === 1 ? 12 : familyBits === 2 ? 36 : familyBits === 3 ? 216 : 0;
  if (bytes.length < V2_FIXED + addressLength) {
    failBytes(
      bytes,
      `v2 length ${bytes.length - V2_FIXED} is shorter than its ${addressLength}-byte address block`,
    );
  }

  let source: Endpoint | undefined;
  let destination: Endpoint | undefined;
  // LOCAL: "the receiver must use the real connection endpoints" whatever the block holds.
  if (command === 'PROXY' && familyBits === 1) {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    source = { address: formatIpv4(bytes, 16), port: view.getUint16(24), family: 'IPv4' };
    destination = { address: formatIpv4(bytes, 20), port: view.getUint16(26), family: 'IPv4' };
  } else if (command === 'PROXY' && familyBits === 2) {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    source = { address: formatIpv6(bytes, 16), port: view.getUint16(48), family: 'IPv6' };
    destination = { address: formatIpv6(bytes, 32), port: view.getUint16(50), family: 'IPv6' };
  }

  const tlvStart = V2_FIXED + addressLength;
  const tlvs = readTlvs(bytes, tlvStart, bytes.length, 'TLV');
  const header: {
    -readonly [K in keyof ProxyHeader]: ProxyHeader[K];
  } = { version: 2, command, transport, tlvs, length: bytes.length };
  if (source !== undefined && destination !== undefined) {
    header.source = source;
    header.destination = destination;
  }
  let offset = tlvStart;
  const seen = new Set<number>();
  for (const tlv of tlvs) {
    // A repeated TLV: the first names the field (all stay in `tlvs`); a CRC32C is checked each time.
    const first = !seen.has(tlv.type);
    seen.add(tlv.type);
    switch (first || tlv.type === PROXY_TLV.CRC32C ? tlv.type : -1) {
      case PROXY_TLV.ALPN:
        header.alpn = ascii.decode(tlv.value);
        break;
      case PROXY_TLV.AUTHORITY:
        header.authority = text.decode(tlv.value);
        break;
      case PROXY_TLV.UNIQUE_ID:
        if (tlv.value.length > UNIQUE_ID_MAX) {
          failBytes(bytes, `v2 UNIQUE_ID of ${tlv.value.length} bytes exceeds ${UNIQUE_ID_MAX}`);
        }
        header.uniqueId = tlv.value;
        break;
      case PROXY_TLV.NETNS:
        header.netns = ascii.decode(tlv.value);
        break;
      case PROXY_TLV.SSL:
        header.ssl = readSsl(bytes, tlv.value);
        break;
      case PROXY_TLV.CRC32C:
        header.crc32c = checkCrc(bytes, tlv.value, offset + 3);
        break;
    }
    offset += 3 + tlv.value.length;
  }
  consume();
  return header;
}

function readTlvs(bytes: Uint8Array, start: number, end: number, what: string): ProxyTlv[] {
  const tlvs: ProxyTlv[] = [];
  let at = start;
  while (at < end) {
    if (end - at < 3)
      failBytes(bytes, `v2 ${what} at offset ${at} is cut short: ${end - at} of its 3 header bytes`);
    const type = bytes[at]!;
    const length = (bytes[at + 1]! << 8) | bytes[at + 2]!;
    if (at + 3 + length > end) {
      failBytes(
        bytes,
        `v2 ${what} 0x${type.toString(16)} at offset ${at} claims ${length} bytes, ${end - at - 3} remain`,
      );
    }
    // Copies: a header is small, and the values must outlive the socket's chunk.
    tlvs.push({ type, value: bytes.slice(at + 3, at + 3 + length) });
    at += 3 + length;
  }
  return tlvs;
}

function readSsl(bytes: Uint8Array, value: Uint8Array): ProxySslInfo {
  if (value.length < 5)
    failBytes(bytes, `v2 SSL TLV of ${value.length} bytes is shorter than its 5-byte fixed part`);
  const tlvs = readTlvs(value, 5, value.length, 'SSL sub-TLV');
  const info: { -readonly [K in keyof ProxySslInfo]: ProxySslInfo[K] } = {
    client: value[0]!,
    verify: new DataView(value.buffer, value.byteOffset).getUint32(1),
    tlvs,
  };
  for (const sub of tlvs) {
    const s = text.decode(sub.value);
    if (sub.type === PROXY_TLV.SSL_VERSION) info.version = s;
    else if (sub.type === PROXY_TLV.SSL_CN) info.commonName = s;
    else if (sub.type === PROXY_TLV.SSL_CIPHER) info.cipher = s;
    else if (sub.type === PROXY_TLV.SSL_SIG_ALG) info.signatureAlgorithm = s;
    else if (sub.type === PROXY_TLV.SSL_KEY_ALG) info.keyAlgorithm = s;
  }
  return info;
}

/** The specification's check: the CRC-32C of the whole header with the checksum's 4 bytes zeroed. */
function checkCrc(bytes: Uint8Array, value: Uint8Array, valueOffset: number): number {
  if (value.length !== 4) failBytes(bytes, `v2 CRC32C TLV holds ${value.length} bytes, not 4`);
  const expected = new DataView(value.buffer, value.byteOffset).getUint32(0);
  const zeroed = bytes.slice();
  zeroed.fill(0, valueOffset, valueOffset + 4);
  const actual = crc32c(zeroed);
  if (actual !== expected) {
    failBytes(
      bytes,
      `v2 CRC32C mismatch: header says 0x${expected.toString(16).padStart(8, '0')}, bytes give 0x${actual.toString(16).padStart(8, '0')}`,
    );
  }
  return expected;
}
