import { ChunkQueue } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/snappy/crc32c.js';
import { compressSnappyBlock, uncompressSnappyBlock } from '../../src/snappy/snappyBlock.js';
import { encodeSnappyFrames, SnappyFrameDecoder } from '../../src/snappy/snappyFrames.js';

/** Bytes with repeats in them (what compresses), or not. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 })), {
      maxLength: 30,
    })
    .map((runs) => {
      const parts = runs.flatMap(([bytes, times]) => Array.from({ length: times }, () => bytes));
      return Uint8Array.from(parts.flatMap((p) => [...p]));
    }),
);

function decodeAll(stream: Uint8Array, cuts: number[]): Uint8Array {
  const decoder = new SnappyFrameDecoder();
  const queue = new ChunkQueue();
  const out: number[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (stream.length + 1)).sort((a, b) => a - b), stream.length]) {
    queue.push(stream.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
    for (let frame = decoder.decode(queue); frame; frame = decoder.decode(queue)) out.push(...frame);
  }
  expect(queue.length).toBe(0);
  return Uint8Array.from(out);
}

describe('snappy', () => {
  it('CRC-32C is Castagnoli’s: "123456789" → e3069283, and agrees with a bitwise CRC at any length', () => {
    expect(crc32c(new TextEncoder().encode('123456789')).toString(16)).toBe('e3069283');
    const bitwise = (data: Uint8Array) => {
      let c = 0xffffffff;
      for (const byte of data) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(crc32c(data)).toBe(bitwise(data));
      }),
    );
  });

  it('a block decompresses to what was compressed, for any bytes; repeats shrink', () => {
    fc.assert(
      fc.property(payload, (data) => {
        const block = compressSnappyBlock(data);
        expect(uncompressSnappyBlock(block, data.length)).toEqual(data);
      }),
    );
    expect(compressSnappyBlock(new Uint8Array(10_000).fill(7)).length).toBeLessThan(600);
  });

  it('reads a block written by another snappy (the format description’s example of a copy)', () => {
    // "Wikipedia" ×2 the way google/snappy writes it: length 18, literal of 9, copy 9 from offset 9.
    const block = Uint8Array.of(18, 8 << 2, ...new TextEncoder().encode('Wikipedia'), 2 | (8 << 2), 9, 0);
    expect(new TextDecoder().decode(uncompressSnappyBlock(block, 100))).toBe('WikipediaWikipedia');
  });

  it('frames round-trip through the framing format, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(payload, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (writes, cuts) => {
          const stream = Uint8Array.from(writes.flatMap((w, i) => [...encodeSnappyFrames(w, i === 0)]));
          expect(decodeAll(stream, cuts)).toEqual(Uint8Array.from(writes.flatMap((w) => [...w])));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes the stream identifier first, then chunks of at most 64 KiB, stored when compression saves under 1/8', () => {
    let x = 0x9e3779b9;
    const random = new Uint8Array(70_000).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
    const stream = encodeSnappyFrames(random, true);
    expect([...stream.subarray(0, 10)]).toEqual([0xff, 6, 0, 0, ...new TextEncoder().encode('sNaPpY')]);
    expect(stream[10]).toBe(0x01); // incompressible: stored
    expect(new DataView(stream.buffer).getUint32(10, true) >>> 8).toBe(4 + 65536);
    expect(encodeSnappyFrames(new Uint8Array(1000), false)[0]).toBe(0x00);
  });

  it('refuses a corrupt stream with CORRUPT_FRAME: no identifier, reserved type, bad checksum, oversize chunk, bad copy', () => {
    const good = encodeSnappyFrames(new TextEncoder().encode('hello hello hello hello'), true);
    const flipped = good.slice();
    flipped[14] = (flipped[14] as number) ^ 1; // a checksum byte
    const cases = [
      good.subarray(10),
      Uint8Array.of(...good.subarray(0, 10), 0x05, 0, 0, 0),
      flipped,
      Uint8Array.of(...good.subarray(0, 10), 0x00, 0xff, 0xff, 0xff),
    ];
    for (const stream of cases) {
      expect(() => decodeAll(stream, [])).toThrow(expect.objectContaining({ code: 'CORRUPT_FRAME' }));
    }
    expect(() => uncompressSnappyBlock(Uint8Array.of(4, 2 | (3 << 2), 5, 0), 10)).toThrow(/offset 5/);
    expect(() => uncompressSnappyBlock(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08), 65536)).toThrow(
      /more than 65536/,
    );
  });

  it('skips skippable chunks (0x80–0xfe)', () => {
    const hello = new TextEncoder().encode('hi');
    const stream = Uint8Array.of(
      ...encodeSnappyFrames(new Uint8Array(0), true),
      0x80,
      2,
      0,
      0,
      9,
      9,
      ...encodeSnappyFrames(hello, false),
    );
    expect(decodeAll(stream, [3, 11])).toEqual(hello);
  });
});
