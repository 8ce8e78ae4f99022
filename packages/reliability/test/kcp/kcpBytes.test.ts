import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getU16LE, getU32LE, putU16LE, putU32LE } from '../../src/kcp/internal/kcpBytes.js';
import { KcpSendQueue } from '../../src/kcp/internal/kcpSendQueue.js';
import {
  decodeKcpSegments,
  KCP_HEADER_LENGTH,
  KcpCommand,
  type KcpSegment,
  writeKcpSegment,
  writeKcpSegmentFields,
} from '../../src/kcp/kcpSegment.js';

/** The header as a DataView writes it (the encoder before the per-packet DataView went). */
function referenceSegment(s: KcpSegment): Uint8Array {
  const out = new Uint8Array(KCP_HEADER_LENGTH + s.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, s.conv >>> 0, true);
  view.setUint8(4, s.cmd);
  view.setUint8(5, s.frg & 0xff);
  view.setUint16(6, s.wnd & 0xffff, true);
  view.setUint32(8, s.ts >>> 0, true);
  view.setUint32(12, s.sn >>> 0, true);
  view.setUint32(16, s.una >>> 0, true);
  view.setUint32(20, s.data.length, true);
  out.set(s.data, KCP_HEADER_LENGTH);
  return out;
}

// Any integer a caller may pass, wider than the field: the wire keeps the low bits, as before.
const anyInt = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.integer());
const segment: fc.Arbitrary<KcpSegment> = fc.record({
  conv: anyInt,
  cmd: fc.constantFrom(KcpCommand.PUSH, KcpCommand.ACK, KcpCommand.WASK, KcpCommand.WINS),
  frg: anyInt,
  wnd: anyInt,
  ts: anyInt,
  sn: anyInt,
  una: anyInt,
  data: fc.uint8Array({ maxLength: 40 }),
});

describe('KCP byte helpers and the segment writer without DataView', () => {
  it('put/get little-endian words as DataView does, for any value and offset', () => {
    fc.assert(
      fc.property(anyInt, fc.integer({ min: 0, max: 12 }), (value, at) => {
        const mine = new Uint8Array(16);
        const theirs = new Uint8Array(16);
        putU32LE(mine, at, value);
        new DataView(theirs.buffer).setUint32(at, value >>> 0, true);
        expect(mine).toEqual(theirs);
        expect(getU32LE(mine, at)).toBe(value >>> 0);
        putU16LE(mine, at, value);
        new DataView(theirs.buffer).setUint16(at, value & 0xffff, true);
        expect(mine).toEqual(theirs);
        expect(getU16LE(mine, at)).toBe(value & 0xffff);
      }),
    );
  });

  it('writes the same bytes as the DataView encoder, at any offset, and decodes them back', () => {
    fc.assert(
      fc.property(segment, fc.integer({ min: 0, max: 20 }), (s, offset) => {
        const target = new Uint8Array(offset + KCP_HEADER_LENGTH + s.data.length + 5).fill(0xee);
        const end = writeKcpSegment(target, offset, s);
        expect(end).toBe(offset + KCP_HEADER_LENGTH + s.data.length);
        expect(target.subarray(offset, end)).toEqual(referenceSegment(s));
        // Nothing outside the segment is touched.
        expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(target.subarray(end).every((b) => b === 0xee)).toBe(true);
        const [back] = decodeKcpSegments(target.subarray(offset, end));
        expect(back).toEqual({
          conv: s.conv >>> 0,
          cmd: s.cmd,
          frg: s.frg & 0xff,
          wnd: s.wnd & 0xffff,
          ts: s.ts >>> 0,
          sn: s.sn >>> 0,
          una: s.una >>> 0,
          data: s.data,
        });
      }),
    );
  });

  it('refuses, with a RangeError and nothing written, a segment that does not fit', () => {
    const target = new Uint8Array(30).fill(7);
    expect(() =>
      writeKcpSegmentFields(target, 4, 1, KcpCommand.PUSH, 0, 0, 0, 0, 0, new Uint8Array(3)),
    ).toThrow(RangeError);
    expect(target.every((b) => b === 7)).toBe(true);
  });
});

describe('KcpSendQueue (stream mode)', () => {
  it('cuts any sequence of writes into segments of at most mss carrying exactly the bytes, each its own copy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 130 }), fc.constant(new Uint8Array(0))), {
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (mss, writes, shiftsAfter) => {
          const queue = new KcpSendQueue(mss, true);
          const taken: Uint8Array[] = [];
          const expected: number[] = [];
          writes.forEach((w, i) => {
            queue.push(w);
            expected.push(...w);
            // The caller may reuse its buffer once push returns: the queue must have copied.
            w.fill(0xaa);
            // Taking segments between writes closes the tail: later bytes start a new segment.
            for (let n = (shiftsAfter[i] ?? 0) % 3; n > 0; n--) {
              const s = queue.shift();
              if (s) taken.push(s.data.slice());
            }
          });
          for (let s = queue.shift(); s; s = queue.shift()) taken.push(s.data.slice());
          expect(queue.length).toBe(0);
          for (const t of taken) {
            expect(t.length).toBeGreaterThan(0);
            expect(t.length).toBeLessThanOrEqual(mss);
          }
          expect(taken.flatMap((t) => [...t])).toEqual(expected);
        },
      ),
    );
  });
});
