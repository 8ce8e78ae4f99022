import { isPortaError } from '@porta/core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/random.js';

describe('seededRandom', () => {
  it('repeats from its seed and differs between nearby seeds', () => {
    const take = (seed: number) => Array.from({ length: 20 }, seededRandom(seed));
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    expect(take(0)).not.toEqual(take(-1));
  });

  it('stays in [0, 1) and is roughly uniform over 100,000 draws', () => {
    const random = seededRandom(2024);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random();
      if (!(x >= 0 && x < 1)) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    // Each bucket expects 10,000 with sd ≈ 95; 500 is over five of them.
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => seededRandom(1.5)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    try {
      seededRandom(Number.NaN);
    } catch (err) {
      expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});
