import { isPortaError } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeKcpSegments,
  encodeKcpSegments,
  KCP_HEADER_LENGTH,
  KcpCommand,
  type KcpSegment,
  peekKcpConv,
} from '../../src/kcp/kcpSegment.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const segment: fc.Arbitrary<KcpSegment> = fc.record({
  conv: u32,
  cmd: fc.constantFrom(KcpCommand.PUSH, KcpCommand.ACK, KcpCommand.WASK, KcpCommand.WINS),
  frg: fc.integer({ min: 0, max: 255 }),
  wnd: fc.integer({ min: 0, max: 0xffff }),
  ts: u32,
  sn: u32,
  una: u32,
  data: fc.uint8Array({ maxLength: 64 }),
});

describe('KCP segment codec', () => {
  it('decodes what it encodes, for any sequence of segments in one packet', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
        const packet = encodeKcpSegments(segments);
        expect(packet.length).toBe(segments.reduce((n, s) => n + KCP_HEADER_LENGTH + s.data.length, 0));
        expect(decodeKcpSegments(packet)).toEqual(segments);
        expect(peekKcpConv(packet)).toBe(segments[0]?.conv);
      }),
    );
  });

  it('lays the header out little-endian as ikcp.c does: conv, cmd, frg, wnd, ts, sn, una, len', () => {
    const packet = encodeKcpSegments([
      {
        conv: 0x01020304,
        cmd: KcpCommand.PUSH,
        frg: 5,
        wnd: 0x0607,
        ts: 0x08090a0b,
        sn: 0x0c0d0e0f,
        una: 0x10111213,
        data: Uint8Array.of(0xaa, 0xbb),
      },
    ]);
    expect(Array.from(packet)).toEqual([
      4, 3, 2, 1, 81, 5, 7, 6, 0x0b, 0x0a, 9, 8, 0x0f, 0x0e, 0x0d, 0x0c, 0x13, 0x12, 0x11, 0x10, 2, 0, 0, 0,
      0xaa, 0xbb,
    ]);
  });

  it('refuses, with KCP_MALFORMED, any packet whose len runs past its end or whose command is unknown', () => {
    fc.assert(
      fc.property(
        segment,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 255 }),
        (s, extra, cmd) => {
          const packet = encodeKcpSegments([s]);
          const view = new DataView(packet.buffer);
          view.setUint32(20, s.data.length + extra, true);
          expect(() => decodeKcpSegments(packet)).toThrow(expect.objectContaining({ code: 'KCP_MALFORMED' }));
          view.setUint32(20, s.data.length, true);
          packet[4] = cmd;
          if (cmd >= 81 && cmd <= 84) expect(decodeKcpSegments(packet)).toHaveLength(1);
          else expect(() => decodeKcpSegments(packet)).toThrow(/unknown command/);
        },
      ),
    );
  });

  it('refuses a packet shorter than one header and ignores fewer than 24 trailing bytes, as kcp-go does', () => {
    let error: unknown;
    try {
      decodeKcpSegments(new Uint8Array(23));
    } catch (err) {
      error = err;
    }
    expect(isPortaError(error, 'KCP_MALFORMED')).toBe(true);
    const one = encodeKcpSegments([
      { conv: 1, cmd: KcpCommand.ACK, frg: 0, wnd: 1, ts: 2, sn: 3, una: 4, data: new Uint8Array(0) },
    ]);
    const withTail = new Uint8Array(one.length + 10);
    withTail.set(one);
    expect(decodeKcpSegments(withTail)).toHaveLength(1);
  });
});
