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

  it('refuses shard counts kcp-go could not use', () => {
    expect(() => new ReedSolomon(0, 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new ReedSolomon(200, 57)).toThrow(/sum ≤ 256/);
  });
});
