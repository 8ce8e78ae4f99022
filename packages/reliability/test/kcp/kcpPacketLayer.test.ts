import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kcpGoPacketLayer, rawKcpPacketLayer } from '../../src/kcp/kcpPacketLayer.js';

describe("kcp-go's packet layer with --crypt none", () => {
  const layer = kcpGoPacketLayer({ crypt: 'none' });

  it('puts a 16-byte nonce and the little-endian CRC32 of the segments before them, and opens what it seals', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 200 }), (segments) => {
        const packet = new Uint8Array(20 + segments.length);
        packet.set(segments, 20);
        const sealed = layer.seal(packet);
        expect(new DataView(sealed.buffer).getUint32(16, true)).toBe(crc32(segments));
        expect(layer.open(sealed)).toEqual(segments);
      }),
    );
  });

  it('gives every packet a fresh nonce', () => {
    const a = layer.seal(new Uint8Array(44)).slice(0, 16);
    const b = layer.seal(new Uint8Array(44)).slice(0, 16);
    expect(a).not.toEqual(b);
  });

  it('refuses with KCP_MALFORMED a packet with any one bit flipped after the nonce, or shorter than its header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 100 }), fc.nat(), (segments, at) => {
        const packet = new Uint8Array(20 + segments.length);
        packet.set(segments, 20);
        const sealed = layer.seal(packet);
        const bit = 16 * 8 + (at % ((sealed.length - 16) * 8));
        sealed[bit >> 3] = (sealed[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(() => layer.open(sealed)).toThrow(expect.objectContaining({ code: 'KCP_MALFORMED' }));
      }),
    );
    expect(() => layer.open(new Uint8Array(19))).toThrow(/shorter than its 20-byte header/);
  });

  it('refuses to be built for a cipher it does not implement, naming those it does', () => {
    expect(() => kcpGoPacketLayer({ crypt: 'blowfish' as 'none' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('aes, aes-128') }),
    );
  });

  it("ikcp.c's raw layer adds nothing", () => {
    const p = Uint8Array.of(1, 2, 3);
    expect(rawKcpPacketLayer.overhead).toBe(0);
    expect(rawKcpPacketLayer.open(rawKcpPacketLayer.seal(p))).toBe(p);
  });
});
