// Helpers shared by the framing tests: the kit's chunkings and decoder loop, and an operator runner.

import type { Decoder } from '@porta/core';
import { runDecoder } from '@porta/core/testing';
import { from, type OperatorFunction } from 'rxjs';
import { expect } from 'vitest';

export { type Chunking, chunked, chunkings as chunkingArb, concatBytes as concat } from '@porta/core/testing';

/** The kit's hand-driven decoder loop; `skip` skips too-long frames as `onTooLong: 'skip'` does. */
export const drive = <T>(decoder: Decoder<T>, chunks: readonly Uint8Array[], skip = false) =>
  runDecoder(decoder, chunks, { skipTooLong: skip });

export interface Outcome<T> {
  readonly frames: T[];
  readonly error?: unknown;
}

/** Subscribes synchronously and collects what an operator emits for these inputs (chunks, mostly). */
export function run<I, T>(op: OperatorFunction<I, T>, inputs: readonly I[]): Outcome<T> {
  const frames: T[] = [];
  let error: unknown;
  let completed = false;
  from(inputs)
    .pipe(op)
    .subscribe({
      next: (f) => frames.push(f),
      error: (e: unknown) => {
        error = e;
      },
      complete: () => {
        completed = true;
      },
    });
  expect(completed || error !== undefined).toBe(true);
  return error === undefined ? { frames } : { frames, error };
}
