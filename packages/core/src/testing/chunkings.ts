import fc from 'fast-check';

/**
 * How a byte stream is split into chunks: `'bytewise'` (one byte per chunk), or chunk sizes cycled
 * over the bytes (a 0 is an empty chunk; sizes that are all 0 mean bytewise).
 *
 * @example
 * ```ts
 * const how: Chunking = [3, 0, 1]; // 3 bytes, an empty chunk, 1 byte, 3 bytes, …
 * ```
 */
export type Chunking = 'bytewise' | readonly number[];

/**
 * Any way the network may split bytes: one byte per chunk, or sizes from 0 to 48 cycled (empty chunks
 * included), for a fast-check property.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { expect } from 'vitest';
 * fc.assert(fc.property(fc.uint8Array(), chunkings, (data, how) => {
 *   expect(runDecoder(new LinesDecoder(), chunked(data, how)).maxBuffered).toBeLessThan(9_000_000);
 * }));
 * ```
 */
export const chunkings: fc.Arbitrary<Chunking> = fc.oneof(
  fc.constant('bytewise' as const),
  fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 24 }),
);

/**
 * Splits `bytes` as `how` says. The chunks are copies (as a socket delivers them), except bytewise
 * ones, which are views.
 *
 * @example
 * ```ts
 * chunked(Uint8Array.of(1, 2, 3), [2]); // [Uint8Array [1, 2], Uint8Array [3]]
 * ```
 */
export function chunked(bytes: Uint8Array, how: Chunking): Uint8Array[] {
  if (how === 'bytewise' || how.every((n) => n === 0)) {
    return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  }
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = how[i % how.length]!;
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

/**
 * Joins byte arrays into one.
 *
 * @example
 * ```ts
 * concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
