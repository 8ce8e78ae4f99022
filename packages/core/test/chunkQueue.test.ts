import { ChunkQueue } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Op =
  | { readonly kind: 'push'; readonly chunk: Uint8Array }
  | { readonly kind: 'take' | 'skip'; readonly n: number }
  | { readonly kind: 'takeFrame'; readonly before: number; readonly n: number; readonly after: number }
  | { readonly kind: 'read'; readonly offset: number; readonly size: number; readonly le: boolean }
  | { readonly kind: 'indexOf'; readonly needle: Uint8Array; readonly from: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('push' as const),
    // Small chunks are coalesced into blocks, large ones kept by reference: exercise both.
    chunk: fc.oneof(
      fc.uint8Array({ maxLength: 12 }).map((b) => b.map((x) => x % 4)),
      fc.uint8Array({ minLength: 513, maxLength: 530 }).map((b) => b.map((x) => x % 4)),
      // A view into a larger buffer at an offset, as a socket's Buffer slices are: frames are cut
      // relative to the chunk's own byteOffset.
      fc
        .tuple(fc.uint8Array({ minLength: 513, maxLength: 530 }), fc.nat({ max: 40 }))
        .map(([b, at]) => {
          const backing = new Uint8Array(at + b.length + 9).fill(3);
          backing.set(
            b.map((x) => x % 4),
            at,
          );
          return backing.subarray(at, at + b.length);
        }),
    ),
  }),
  fc.record({
    kind: fc.constantFrom('take' as const, 'skip' as const),
    n: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 700 })),
  }),
  fc.record({
    kind: fc.constant('takeFrame' as const),
    before: fc.nat({ max: 6 }),
    n: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 700 })),
    after: fc.nat({ max: 3 }),
  }),
  fc.record({
    kind: fc.constant('read' as const),
    offset: fc.oneof(fc.nat({ max: 10 }), fc.nat({ max: 600 })),
    size: fc.constantFrom(1, 2, 3, 4, 8),
    le: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('indexOf' as const),
    needle: fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => b.map((x) => x % 4)),
    from: fc.oneof(fc.nat({ max: 12 }), fc.nat({ max: 600 })),
  }),
);

/** indexOf on a flat array, the model. */
function modelIndexOf(flat: number[], needle: Uint8Array, from: number): number {
  for (let i = Math.max(0, from); i + needle.length <= flat.length; i++) {
    if (needle.every((b, k) => flat[i + k] === b)) return i;
  }
  return -1;
}

describe('ChunkQueue', () => {
  it('property: behaves like one flat array under any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const q = new ChunkQueue();
        let flat: number[] = [];
        for (const op of ops) {
          switch (op.kind) {
            case 'push':
              q.push(op.chunk);
              flat.push(...op.chunk);
              break;
            case 'take':
            case 'skip': {
              const n = Math.min(op.n, flat.length);
              if (op.kind === 'take') expect(Array.from(q.take(n))).toEqual(flat.slice(0, n));
              else q.skip(n);
              flat = flat.slice(n);
              break;
            }
            case 'takeFrame': {
              const total = op.before + op.n + op.after;
              if (total > flat.length) {
                expect(() => q.takeFrame(op.before, op.n, op.after)).toThrow(RangeError);
                break;
              }
              const frame = q.takeFrame(op.before, op.n, op.after);
              expect(Array.from(frame)).toEqual(flat.slice(op.before, op.before + op.n));
              flat = flat.slice(total);
              break;
            }
            case 'read': {
              if (op.offset + op.size > flat.length) {
                expect(() => q.readUint(op.offset, op.size, op.le)).toThrow(RangeError);
                break;
              }
              const field = flat.slice(op.offset, op.offset + op.size);
              const ordered = op.le ? [...field].reverse() : field;
              expect(q.readUint(op.offset, op.size, op.le)).toBe(ordered.reduce((v, b) => v * 256 + b, 0));
              expect(q.byteAt(op.offset)).toBe(flat[op.offset]);
              break;
            }
            case 'indexOf':
              expect(q.indexOf(op.needle, op.from)).toBe(modelIndexOf(flat, op.needle, op.from));
              if (op.needle.length === 1)
                expect(q.indexOf(op.needle[0]!, op.from)).toBe(modelIndexOf(flat, op.needle, op.from));
              break;
          }
          expect(q.length).toBe(flat.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('take returns a zero-copy view inside one chunk and one copy across chunks', () => {
    const a = new Uint8Array(1000).fill(1);
    const b = new Uint8Array(1000).fill(2);
    const q = new ChunkQueue();
    q.push(a);
    q.push(b);
    const view = q.take(600);
    expect(view.buffer).toBe(a.buffer);
    expect(view.byteOffset).toBe(0);
    const spanning = q.take(600);
    expect(spanning.subarray(398, 402)).toEqual(Uint8Array.of(1, 1, 2, 2));
    expect(spanning.buffer).not.toBe(a.buffer);
    expect(q.take(800).buffer).toBe(b.buffer);
  });

  it('takeFrame returns the middle of header + frame + terminator, zero-copy inside one chunk', () => {
    const a = Uint8Array.of(...new Array<number>(600).fill(7), 0, 0, 0, 3, 0x61, 0x62, 0x63, 0x0d, 0x0a);
    const b = new Uint8Array(600).fill(9);
    const q = new ChunkQueue();
    q.push(a);
    q.push(b);
    q.skip(600);
    const frame = q.takeFrame(4, 3, 2);
    expect(Array.from(frame)).toEqual([0x61, 0x62, 0x63]);
    expect(frame.buffer).toBe(a.buffer);
    expect(q.length).toBe(600);
    // The terminator in the next chunk: every consumed chunk is released.
    q.push(Uint8Array.of(5));
    q.skip(598);
    expect(Array.from(q.takeFrame(1, 1, 1))).toEqual([9]);
    expect(q.length).toBe(0);
    expect(q.chunkCount).toBe(0);
    expect(() => q.takeFrame(0, 1)).toThrow(RangeError);
  });

  it('copies small chunks into shared blocks: one byte per chunk does not cost an object per byte', () => {
    const q = new ChunkQueue();
    for (let i = 0; i < 100_000; i++) q.push(Uint8Array.of(i & 255));
    expect(q.length).toBe(100_000);
    // Blocks of 1, 2, 4, 8 then 16 KiB: ten blocks for 100,000 bytes, not 100,000 chunks.
    expect(q.chunkCount).toBeLessThanOrEqual(10);
    const all = q.take(100_000);
    expect(all[70_000]).toBe(70_000 & 255);
    // A small chunk pushed by the caller may be reused by it: the queue holds a copy.
    const reused = Uint8Array.of(7);
    q.push(reused);
    reused[0] = 9;
    expect(q.byteAt(0)).toBe(7);
  });

  it('reads integers across chunk boundaries without consuming them', () => {
    const q = new ChunkQueue();
    for (const b of [0x12, 0x34, 0x56, 0x78]) q.push(Uint8Array.of(b));
    expect(q.readUint(0, 4, false)).toBe(0x12345678);
    expect(q.readUint(0, 4, true)).toBe(0x78563412);
    expect(q.readUint(1, 2, false)).toBe(0x3456);
    expect(q.length).toBe(4);
  });

  it('releases consumed chunks and empties on clear', () => {
    const q = new ChunkQueue();
    for (let i = 0; i < 1000; i++) q.push(Uint8Array.of(i & 255));
    q.skip(999);
    expect(q.chunkCount).toBe(1);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.chunkCount).toBe(0);
    expect(() => q.take(1)).toThrow(RangeError);
  });

  it('resumable search through 100,000 one-byte chunks stays linear', () => {
    const q = new ChunkQueue();
    let from = 0;
    for (let i = 0; i < 100_000; i++) {
      q.push(Uint8Array.of(0x61));
      expect(q.indexOf(0x0a, from)).toBe(-1);
      from = q.length;
    }
    q.push(Uint8Array.of(0x0a));
    expect(q.indexOf(0x0a, from)).toBe(100_000);
    // Taking the line then copies it once.
    expect(q.take(100_001).length).toBe(100_001);
  });

  it('ignores empty chunks', () => {
    const q = new ChunkQueue();
    q.push(new Uint8Array(0));
    expect(q.chunkCount).toBe(0);
  });
});
