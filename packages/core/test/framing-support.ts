// Helpers shared by the framing tests: chunkings, an operator runner, a hand-driven decoder loop.
import { ChunkQueue, type Decoder, FrameTooLongError, TruncatedError } from '@porta/core';
import fc from 'fast-check';
import { from, type OperatorFunction } from 'rxjs';
import { expect } from 'vitest';

export type Chunking = 'bytewise' | readonly number[];

/** Any way the network may split bytes: one byte per chunk, or sizes (empty chunks included) cycled. */
export const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  fc.constant('bytewise' as const),
  fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 24 }),
);

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

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

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

/**
 * Drives a decoder by hand, as decodeWith does, and records the most bytes left buffered between
 * chunks (the decoder's bound must hold there).
 */
export function drive<T>(decoder: Decoder<T>, chunks: readonly Uint8Array[], skip = false) {
  const buf = new ChunkQueue();
  const frames: T[] = [];
  let maxBuffered = 0;
  let dropped = 0;
  const drain = (end: boolean) => {
    for (;;) {
      try {
        for (;;) {
          const f = end && decoder.decodeEnd ? decoder.decodeEnd(buf) : decoder.decode(buf);
          if (f === undefined) return;
          frames.push(f);
        }
      } catch (err) {
        if (skip && err instanceof FrameTooLongError) {
          dropped++;
          continue;
        }
        throw err;
      }
    }
  };
  try {
    for (const chunk of chunks) {
      buf.push(chunk);
      drain(false);
      // As decodeWith does, a decoder that is done gets no more input.
      if (decoder.done === true)
        return { frames, beforeEnd: frames.length, maxBuffered, dropped, error: undefined };
      maxBuffered = Math.max(maxBuffered, buf.length);
    }
    const beforeEnd = frames.length;
    drain(true);
    if (buf.length > 0) throw new TruncatedError(undefined, buf.length);
    return { frames, beforeEnd, maxBuffered, dropped, error: undefined as unknown };
  } catch (error) {
    return { frames, maxBuffered, dropped, error };
  }
}
