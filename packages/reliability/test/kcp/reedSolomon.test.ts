import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReedSolomon } from '../../src/kcp/fec/reedSolomon.js';

describe('Reed–Solomon (klauspost/reedsolomon’s default code)', () => {
  it('rebuilds the data shards from any data-shards-many of data + parity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer(),
        fc.array(fc.nat(), { maxLength: 5 }),
        (data, parity, length, seed, lost) => {
          const rs = new ReedSolomon(data, parity);
          let x = seed | 1;
          const shards = Array.from({ length: data }, () =>
            new Uint8Array(length).map(() => {
              x ^= x << 13;
              x ^= x >>> 17;
              x ^= x << 5;
              return x & 0xff;
            }),
          );
          const all: (Uint8Array | undefined)[] = [...shards, ...rs.encode(shards)];
          const gone = new Set(lost.slice(0, parity).map((i) => i % (data + parity)));
          for (const i of gone) all[i] = undefined;
          const filled = rs.reconstructData(all);
          expect(filled).toEqual([...gone].filter((i) => i < data).sort((a, b) => a - b));
          for (let i = 0; i < data; i++) expect(all[i]).toEqual(shards[i]);
        },
      ),
    );
  });

  it('says it cannot rebuild with fewer than data-shards-many shards', () => {
    const rs = new ReedSolomon(4, 2);
    const data = [1, 2, 3, 4].map((v) => Uint8Array.of(v));
    const all: (Uint8Array | undefined)[] = [...data, ...rs.encode(data)];
    all[0] = all[1] = all[2] = undefined;
    expect(rs.reconstructData(all)).toBeUndefined();
  });

  it('builds the Vandermonde matrix times its top inverse: for 2 + 1 the parity row is [3, 2]', () => {
    // Rows r^c: [1,0], [1,1], [1,2]; the top square is its own inverse in GF(2^8); [1,2] times it is
    // [1⊕2, 2] = [3, 2]. So parity = 3·a ⊕ 2·b: 3·0x5a = 0xb4 ⊕ 0x5a = 0xee, 2·0x0f = 0x1e, ⊕ = 0xf0.
    const rs = new ReedSolomon(2, 1);
    expect(rs.encode([Uint8Array.of(0x5a), Uint8Array.of(0x0f)])[0]).toEqual(Uint8Array.of(0xf0));
  });

  it('encodes a word at a time what the matrix gives a byte at a time, shorter shards zero-padded', () => {
    // Independent reference: a carry-less multiply mod 0x11d per byte, the matrix read back from
    // the parity of unit shards (column j of the parity rows is the parity of e_j).
    const gfMul = (a: number, b: number): number => {
      let p = 0;
      for (; b > 0; b >>= 1) {
        if (b & 1) p ^= a;
        a <<= 1;
        if (a & 0x100) a ^= 0x11d;
      }
      return p;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 70 }), { minLength: 12, maxLength: 12 }),
        (data, parity, pool) => {
          const rs = new ReedSolomon(data, parity);
          const shards = pool.slice(0, data);
          const columns = Array.from({ length: data }, (_, j) =>
            rs.encode(Array.from({ length: data }, (_, k) => Uint8Array.of(k === j ? 1 : 0))),
          );
          const length = Math.max(0, ...shards.map((s) => s.length));
          const expected = Array.from({ length: parity }, (_, r) =>
            new Uint8Array(length).map((_, i) =>
              shards.reduce(
                (acc, s, j) => acc ^ gfMul((columns[j]?.[r] as Uint8Array)[0] as number, s[i] ?? 0),
                0,
              ),
            ),
          );
          expect(rs.encode(shards)).toEqual(expected);
          const into = expected.map((e) => new Uint8Array(e.length + 3).fill(0xaa));
          rs.encodeInto(shards, into, length);
          expect(into.map((p) => p.subarray(0, length))).toEqual(expected);
          expect(into.every((p) => p.subarray(length).every((b) => b === 0xaa))).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('refuses shard counts kcp-go could not use', () => {
    expect(() => new ReedSolomon(0, 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new ReedSolomon(200, 57)).toThrow(/sum ≤ 256/);
  });
});
