import {
  ChunkQueue,
  encodeProxyHeader,
  endpoint,
  hasProxySignature,
  isPortaError,
  PROXY_TLV,
  type ProxyHeader,
  type ProxyHeaderInit,
  ProxyProtocolError,
  type ProxyTlv,
  proxyHeaderDecoder,
} from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../src/internal/crc32c.js';
import { formatIpv6 } from '../src/internal/ipBytes.js';
import { chunked, chunkingArb, concat } from './framing-support.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Feeds chunks to one decoder as a listener does; returns the header and the bytes left behind it. */
function decodeChunks(chunks: readonly Uint8Array[], maxHeaderLength?: number) {
  const decoder = proxyHeaderDecoder(maxHeaderLength === undefined ? {} : { maxHeaderLength });
  const queue = new ChunkQueue();
  let maxBuffered = 0;
  for (const [i, chunk] of chunks.entries()) {
    queue.push(chunk);
    const header = decoder.decode(queue);
    if (header !== undefined) {
      // What a listener hands the application: the rest of this chunk, then every later chunk.
      return { header, rest: concat([queue.take(queue.length), ...chunks.slice(i + 1)]), maxBuffered };
    }
    maxBuffered = Math.max(maxBuffered, queue.length);
  }
  return { header: undefined, rest: queue.take(queue.length), maxBuffered };
}

function decodeAll(bytes: Uint8Array): ProxyHeader {
  const { header } = decodeChunks([bytes]);
  if (header === undefined) throw new Error('decoder wanted more bytes');
  return header;
}

const portArb = fc.integer({ min: 0, max: 65535 });
const v4Arb = fc.ipV4();
const v6Arb = fc.ipV6().map((a) => new URL(`http://[${a}]`).hostname.slice(1, -1));
const pairArb = fc.oneof(
  fc.record({ family: fc.constant('IPv4' as const), s: v4Arb, d: v4Arb, sp: portArb, dp: portArb }),
  fc.record({ family: fc.constant('IPv6' as const), s: v6Arb, d: v6Arb, sp: portArb, dp: portArb }),
);
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
const sslArb = fc
  .record({
    client: fc.integer({ min: 0, max: 7 }),
    verify: fc.integer({ min: 0, max: 0xffffffff }),
    version: fc.string({ maxLength: 12 }),
    cn: fc.string({ maxLength: 40 }),
  })
  .map(({ client, verify, version, cn }): ProxyTlv => {
    const subs = [
      { type: PROXY_TLV.SSL_VERSION, value: ascii(version) },
      { type: PROXY_TLV.SSL_CN, value: ascii(cn) },
    ];
    const value = new Uint8Array(5 + subs.reduce((n, t) => n + 3 + t.value.length, 0));
    value[0] = client;
    new DataView(value.buffer).setUint32(1, verify);
    let at = 5;
    for (const t of subs) {
      value.set([t.type, t.value.length >> 8, t.value.length & 0xff], at);
      value.set(t.value, at + 3);
      at += 3 + t.value.length;
    }
    return { type: PROXY_TLV.SSL, value };
  });
const tlvArb: fc.Arbitrary<ProxyTlv> = fc.oneof(
  fc.record({
    type: fc.constant<number>(PROXY_TLV.ALPN),
    value: fc.constantFrom('h2', 'http/1.1').map(ascii),
  }),
  fc.record({ type: fc.constant<number>(PROXY_TLV.AUTHORITY), value: fc.domain().map(ascii) }),
  fc.record({ type: fc.constant<number>(PROXY_TLV.UNIQUE_ID), value: bytesArb(128) }),
  fc.record({ type: fc.constant<number>(PROXY_TLV.NOOP), value: bytesArb(8) }),
  sslArb,
  // Custom and experimental ranges: carried through untouched.
  fc.record({ type: fc.integer({ min: 0xe0, max: 0xf7 }), value: bytesArb(64) }),
);

const v1Arb: fc.Arbitrary<ProxyHeaderInit> = fc.oneof(
  pairArb.map(
    (p): ProxyHeaderInit => ({
      version: 1,
      source: { address: p.s, port: p.sp, family: p.family },
      destination: { address: p.d, port: p.dp, family: p.family },
    }),
  ),
  fc.constant<ProxyHeaderInit>({ version: 1 }),
);
const v2Arb: fc.Arbitrary<ProxyHeaderInit> = fc
  .record({
    pair: fc.option(pairArb, { nil: undefined }),
    command: fc.constantFrom('PROXY' as const, 'LOCAL' as const),
    transport: fc.constantFrom('TCP' as const, 'UDP' as const),
    tlvs: fc.array(tlvArb, { maxLength: 5 }),
    checksum: fc.boolean(),
  })
  .map(({ pair, command, transport, tlvs, checksum }): ProxyHeaderInit => {
    if (pair === undefined || command === 'LOCAL') return { version: 2, command, tlvs, checksum };
    return {
      version: 2,
      command,
      transport,
      source: { address: pair.s, port: pair.sp, family: pair.family },
      destination: { address: pair.d, port: pair.dp, family: pair.family },
      tlvs,
      checksum,
    };
  });
const headerArb = fc.oneof(v1Arb, v2Arb);

describe('PROXY protocol codec', () => {
  it('decodes what it encodes, for any v1 or v2 header, however the network splits it', () => {
    fc.assert(
      fc.property(headerArb, bytesArb(40), chunkingArb, (init, after, how) => {
        const wire = encodeProxyHeader(init);
        const { header, rest } = decodeChunks(chunked(concat([wire, after]), how));
        expect(header).toBeDefined();
        expect(header!.version).toBe(init.version);
        expect(header!.command).toBe(init.command ?? 'PROXY');
        expect(header!.source).toEqual(init.source);
        expect(header!.destination).toEqual(init.destination);
        expect(header!.length).toBe(wire.length);
        const sentTlvs = init.tlvs ?? [];
        expect(header!.tlvs.slice(0, sentTlvs.length)).toEqual(sentTlvs);
        if (init.checksum) expect(header!.crc32c).toBeTypeOf('number');
        expect(rest).toEqual(after);
      }),
    );
  });

  it('exposes ALPN, AUTHORITY, UNIQUE_ID and SSL from the TLVs', () => {
    fc.assert(
      fc.property(v2Arb, (init) => {
        const header = decodeAll(encodeProxyHeader(init));
        const firsts = new Map<number, ProxyTlv>();
        for (const tlv of init.tlvs ?? []) if (!firsts.has(tlv.type)) firsts.set(tlv.type, tlv);
        for (const tlv of firsts.values()) {
          if (tlv.type === PROXY_TLV.ALPN) expect(ascii(header.alpn!)).toEqual(tlv.value);
          if (tlv.type === PROXY_TLV.AUTHORITY) expect(ascii(header.authority!)).toEqual(tlv.value);
          if (tlv.type === PROXY_TLV.UNIQUE_ID) expect(header.uniqueId).toBeDefined();
          if (tlv.type === PROXY_TLV.SSL) {
            expect(header.ssl).toBeDefined();
            expect(header.ssl!.tlvs.map((t) => t.type)).toEqual([PROXY_TLV.SSL_VERSION, PROXY_TLV.SSL_CN]);
          }
        }
      }),
    );
  });

  it('raises only typed errors on random bytes, and buffers no more than its bound', () => {
    const signatureStart = fc.constantFrom(
      new Uint8Array(0),
      ascii('PROXY '),
      ascii('PROXY TCP4 '),
      Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21),
    );
    fc.assert(
      fc.property(signatureStart, bytesArb(200), chunkingArb, (start, noise, how) => {
        try {
          const { maxBuffered } = decodeChunks(chunked(concat([start, noise]), how), 16 + 64);
          expect(maxBuffered).toBeLessThanOrEqual(16 + 64);
        } catch (err) {
          expect(err).toBeInstanceOf(ProxyProtocolError);
          expect(isPortaError(err, 'PROXY_PROTOCOL')).toBe(true);
        }
      }),
    );
  });

  it('refuses a v2 header whose length exceeds the bound on its first 16 bytes, before buffering the rest', () => {
    const fixed = encodeProxyHeader({
      version: 2,
      tlvs: [{ type: PROXY_TLV.NOOP, value: new Uint8Array(5000) }],
    }).subarray(0, 16);
    expect(() => decodeChunks([fixed])).toThrow(/v2 header of 5019 bytes exceeds maxHeaderLength 2064/);
  });

  it('refuses a v1 line with no CRLF within 107 bytes, a bare LF, and leading zeros', () => {
    const long = ascii(`PROXY UNKNOWN ${'x'.repeat(100)}`);
    expect(() => decodeChunks([long])).toThrow(/no CRLF within 107 bytes/);
    expect(decodeChunks([long.subarray(0, 106)]).header).toBeUndefined();
    expect(() => decodeAll(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'))).toThrow(/bare LF/);
    expect(() => decodeAll(ascii('PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n'))).toThrow(
      /source address "01.2.3.4"/,
    );
    expect(() => decodeAll(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'))).toThrow(/source port "01"/);
    expect(() => decodeAll(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'))).toThrow(/source port "65536"/);
    expect(() => decodeAll(ascii('PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'))).toThrow(/fields/);
    expect(() => decodeAll(ascii('PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n'))).toThrow(/not an IPv6 address/);
    expect(() => decodeAll(ascii('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toThrow(/"UDP4"/);
  });

  it('accepts the longest lines the specification lists, and ignores whatever follows UNKNOWN', () => {
    const v4 = decodeAll(ascii('PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n'));
    expect(v4.source).toEqual(endpoint('255.255.255.255', 65535));
    const f = 'ffff:'.repeat(7) + 'ffff';
    const worst = ascii(`PROXY UNKNOWN ${f} ${f} 65535 65535\r\n`);
    expect(worst.length).toBe(107);
    const unknown = decodeAll(worst);
    expect(unknown).toMatchObject({ version: 1, transport: 'UNSPEC', length: 107 });
    expect(unknown.source).toBeUndefined();
  });

  it('fails on the first byte that cannot begin a signature, without waiting for more', () => {
    expect(() => decodeChunks([ascii('G')])).toThrow(ProxyProtocolError);
    expect(() => decodeChunks([ascii('PROXX')])).toThrow(/neither the v1 nor the v2 signature/);
    expect(() => decodeChunks([Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0b)])).toThrow(ProxyProtocolError);
    expect(decodeChunks([ascii('PROX')]).header).toBeUndefined();
  });

  it('reports the stream ending inside a header as TRUNCATED', () => {
    const decoder = proxyHeaderDecoder();
    const queue = new ChunkQueue();
    queue.push(ascii('PROXY TCP4 1.2'));
    expect(decoder.decode(queue)).toBeUndefined();
    expect(() => decoder.decodeEnd!(queue)).toThrow(/TRUNCATED|stream ended inside a PROXY header/);
  });

  it('keeps no address for LOCAL, even when the block carries one', () => {
    const proxied = encodeProxyHeader({
      version: 2,
      source: endpoint('192.0.2.1', 1),
      destination: endpoint('192.0.2.2', 2),
    });
    proxied[12] = 0x20; // LOCAL, address block left in place
    const header = decodeAll(proxied);
    expect(header.command).toBe('LOCAL');
    expect(header.source).toBeUndefined();
  });

  it('checks a CRC32C TLV and refuses a header whose bytes do not match it', () => {
    const wire = encodeProxyHeader({
      version: 2,
      source: endpoint('192.0.2.1', 1000),
      destination: endpoint('192.0.2.2', 2000),
      checksum: true,
    });
    expect(decodeAll(wire).crc32c).toBeTypeOf('number');
    const tampered = wire.slice();
    tampered[17] = tampered[17]! ^ 0x01; // one bit of the source address
    expect(() => decodeAll(tampered)).toThrow(/CRC32C mismatch/);
  });

  it('refuses undefined v2 versions, commands, families and cut-short TLVs', () => {
    const base = () =>
      encodeProxyHeader({ version: 2, source: endpoint('1.2.3.4', 1), destination: endpoint('5.6.7.8', 2) });
    const bad = (patch: (b: Uint8Array) => void, message: RegExp) => {
      const b = base();
      patch(b);
      expect(() => decodeAll(b)).toThrow(message);
    };
    bad((b) => (b[12] = 0x11), /version 1, not 2/);
    bad((b) => (b[12] = 0x22), /command 0x2/);
    bad((b) => (b[13] = 0x41), /family\/protocol byte 0x41/);
    bad((b) => (b[15] = 4), /shorter than its 12-byte address block/);
    const withTlv = concat([base(), Uint8Array.of(0xe0, 0x00, 0x09, 1)]);
    withTlv[15] = 12 + 4;
    expect(() => decodeAll(withTlv)).toThrow(/claims 9 bytes, 1 remain/);
    const longId = encodeProxyHeader({
      version: 2,
      tlvs: [{ type: PROXY_TLV.UNIQUE_ID, value: new Uint8Array(129) }],
    });
    expect(() => decodeAll(longId)).toThrow(/UNIQUE_ID of 129 bytes exceeds 128/);
  });

  it('refuses to encode what the version cannot carry', () => {
    const s = endpoint('1.2.3.4', 1);
    const d6 = endpoint('::1', 2);
    expect(() => encodeProxyHeader({ version: 1, command: 'LOCAL' })).toThrow(/no LOCAL/);
    expect(() => encodeProxyHeader({ version: 1, transport: 'UDP', source: s, destination: s })).toThrow(
      /TCP only/,
    );
    expect(() => encodeProxyHeader({ version: 2, source: s, destination: d6 })).toThrow(
      /IPv4 but destination is IPv6/,
    );
    expect(() =>
      encodeProxyHeader({ version: 2, tlvs: [{ type: 0xe0, value: new Uint8Array(70_000) }] }),
    ).toThrow(/exceed 65535/);
    expect(
      new TextDecoder().decode(
        encodeProxyHeader({ version: 1, source: s, destination: endpoint('5.6.7.8', 2) }),
      ),
    ).toBe('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n');
  });

  it('recognises a whole v1 or v2 signature at the start of a chunk, and nothing shorter', () => {
    expect(hasProxySignature(ascii('PROXY TCP4 …'))).toBe(true);
    expect(hasProxySignature(encodeProxyHeader({ version: 2, command: 'LOCAL' }))).toBe(true);
    expect(hasProxySignature(ascii('PROXY'))).toBe(false);
    expect(hasProxySignature(ascii('GET / HTTP/1.1\r\n'))).toBe(false);
  });
});

describe('PROXY protocol helpers', () => {
  it('computes CRC-32C (the RFC 3720 check value of "123456789")', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('formats IPv6 bytes as RFC 5952 text, as the WHATWG URL parser does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 7 }),
        (bytes, zeros) => {
          bytes.fill(0, zeros * 2, Math.min(16, zeros * 2 + 6)); // make zero runs common
          const text = formatIpv6(bytes);
          const viaUrl = new URL(`http://[${text}]`).hostname.slice(1, -1);
          expect(text).toBe(viaUrl);
        },
      ),
    );
  });
});
