import { InvalidArgumentError } from '@porta/core';

/**
 * A seeded pseudo-random source: `sfc32` (Chris Doty-Humphrey's Small Fast Counter, 128-bit state),
 * with the seed expanded through `splitmix32` so that nearby seeds (1, 2, 3, …) give unrelated
 * streams. Returns a function with `Math.random`'s contract — a float in `[0, 1)` — so it can be
 * injected wherever porta takes a random source (impairment, the simulated network, retry jitter).
 *
 * Not cryptographic: it exists so that a lossy run repeats exactly from its seed. Keys, nonces and
 * request ids must come from `node:crypto`.
 *
 * @param seed any 32-bit integer (negative and larger values are reduced modulo 2³²).
 * @throws {@link @porta/core!InvalidArgumentError} when `seed` is not a finite integer.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const drop = random() < 0.5; // the same answer on every run with seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`seed must be a safe integer, got ${String(seed)}`);
  }
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still echo the seed; the reference implementation discards 12.
  for (let i = 0; i < 12; i++) next();
  return next;
}
