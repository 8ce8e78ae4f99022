import { type Decoder, type Encoder, isPortaError } from '@porta/core';
import fc from 'fast-check';
import { chunked, chunkings, concatBytes } from './chunkings.js';
import { DecoderStallError, runDecoder } from './runDecoder.js';

/**
 * Options of {@link checkCodec}.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * const options: CheckCodecOptions<Uint8Array> = {
 *   decoder: () => new LengthFieldDecoder({ lengthFieldLength: 2 }),
 *   encode: new LengthFieldEncoder({ lengthFieldLength: 2 }),
 *   messages: fc.uint8Array({ maxLength: 300 }),
 * };
 * ```
 */
export interface CheckCodecOptions<T> {
  /** A factory of the decoder under test: every run gets a fresh one. */
  readonly decoder: () => Decoder<T>;
  /** The encoder under test, or its `encode` function. */
  readonly encode: Encoder<T> | ((message: T) => Uint8Array);
  /** Messages the encoder must carry (narrow it to what the wire format can carry). */
  readonly messages: fc.Arbitrary<T>;
  /** Message equality; default: structural (bytes by value, arrays and plain objects deeply). */
  readonly equals?: (decoded: T, sent: T) => boolean;
  /** Runs per property (default 100). */
  readonly numRuns?: number;
  /** Replays a failure: the seed fast-check printed. */
  readonly seed?: number;
  /** The most messages in one run (default 10). */
  readonly maxMessages?: number;
}

/** A broken rule of the codec contract, with what was seen. */
class CodecCheckError extends Error {
  override readonly name = 'CodecCheckError';
}

/**
 * Checks a codec — a {@link Decoder} and its {@link Encoder} — against the contract, with fast-check:
 *
 * 1. **Round trip.** Any list of messages, encoded and split in any chunking (one byte per chunk
 *    included), decodes to exactly those messages, each one as soon as its last byte arrives, and the
 *    stream completes.
 * 2. **Hostile bytes.** Random bytes, alone or between valid frames, give frames or typed
 *    `PortaError`s only — never another exception, and never a frame that consumes no byte (which
 *    would make `decodeWith` loop forever) — with too-long frames both ending and skipped.
 * 3. **Bounded.** After every chunk of every run the decoder holds at most its `maxBuffered` bytes.
 * 4. **Truncation.** A stream that ends inside a frame gives the frames before it, then `TRUNCATED`.
 *
 * It resolves when every property held, and rejects with fast-check's report otherwise: the shrunk
 * counterexample, the seed and the path to replay it (`seed` option). Call it inside a vitest or jest
 * test and await it. A decoder whose own `decode` never returns cannot be stopped from inside the
 * same thread; every other way of hanging `decodeWith` is caught.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { it } from 'vitest';
 * it('my codec keeps the contract', () =>
 *   checkCodec({
 *     decoder: () => new LengthFieldDecoder({ lengthFieldLength: 2 }),
 *     encode: new LengthFieldEncoder({ lengthFieldLength: 2 }),
 *     messages: fc.uint8Array({ maxLength: 300 }),
 *   }));
 * ```
 */
export async function checkCodec<T>(options: CheckCodecOptions<T>): Promise<void> {
  const { decoder, messages } = options;
  const encoder = options.encode;
  const encode = typeof encoder === 'function' ? encoder : (m: T) => encoder.encode(m);
  const equals = options.equals ?? structurallyEqual;
  const lists = fc.array(messages, { maxLength: options.maxMessages ?? 10 });
  const params: fc.Parameters<unknown> = {
    numRuns: options.numRuns ?? 100,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };

  const wireOf = (list: readonly T[]): Uint8Array[] =>
    list.map((m, i) => {
      let bytes: Uint8Array;
      try {
        bytes = encode(m);
      } catch (err) {
        throw new CodecCheckError(
          `encode refused message ${i} (${fc.stringify(m)}): ${String(err)}; ` +
            'narrow `messages` to what the wire format can carry',
        );
      }
      if (bytes.length === 0) {
        throw new CodecCheckError(`encode returned no bytes for message ${i}: the decoder cannot see it`);
      }
      return bytes;
    });

  const checkBound = (d: Decoder<T>, seen: number): void => {
    const bound = d.maxBuffered ?? Number.POSITIVE_INFINITY;
    if (seen > bound) {
      throw new CodecCheckError(
        `the decoder held ${seen} bytes after a chunk, above its maxBuffered ${bound}`,
      );
    }
  };

  // 1. Round trip, and the bound on valid input.
  holds(
    'round trip',
    fc.property(lists, chunkings, (list, how) => {
      const d = decoder();
      const run = runDecoder(d, chunked(concatBytes(wireOf(list)), how));
      if (run.error !== undefined) {
        throw new CodecCheckError(
          `decoding what was encoded failed after ${run.frames.length} frames: ${describe(run.error)}`,
        );
      }
      if (run.frames.length !== list.length) {
        throw new CodecCheckError(`${list.length} messages encoded, ${run.frames.length} frames decoded`);
      }
      list.forEach((sent, i) => {
        if (!equals(run.frames[i] as T, sent)) {
          throw new CodecCheckError(
            `frame ${i} decoded as ${fc.stringify(run.frames[i])}, but ${fc.stringify(sent)} was sent`,
          );
        }
      });
      if (run.beforeEnd !== list.length) {
        throw new CodecCheckError(
          `${list.length - run.beforeEnd} frames came only at the end of the stream: a frame must come as soon as its bytes have`,
        );
      }
      checkBound(d, run.maxBuffered);
    }),
    params,
  );

  // 2. Hostile bytes: random, or random between valid frames; too-long frames ending the run or skipped.
  const noise = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      messages.map((m) => ({ message: m })),
    ),
    { maxLength: 8 },
  );
  holds(
    'hostile bytes',
    fc.property(noise, chunkings, fc.boolean(), (parts, how, skipTooLong) => {
      const bytes = concatBytes(
        parts.map((p) => (p instanceof Uint8Array ? p : (wireOf([p.message])[0] as Uint8Array))),
      );
      const d = decoder();
      const run = runDecoder(d, chunked(bytes, how), { skipTooLong });
      if (run.error !== undefined && !isPortaError(run.error)) {
        throw new CodecCheckError(`bad input raised ${describe(run.error)}, not a typed PortaError`);
      }
      checkBound(d, run.maxBuffered);
    }),
    params,
  );

  // 3. End of stream inside a frame.
  holds(
    'end of stream inside a frame',
    fc.property(lists, messages, fc.nat(), chunkings, (list, last, cut, how) => {
      const wire = wireOf([...list, last]);
      const frame = wire[wire.length - 1]!;
      if (frame.length < 2) return; // no byte boundary inside a one-byte frame
      const keep = 1 + (cut % (frame.length - 1));
      wire[wire.length - 1] = frame.subarray(0, keep);
      const d = decoder();
      const run = runDecoder(d, chunked(concatBytes(wire), how));
      if (!isPortaError(run.error, 'TRUNCATED')) {
        throw new CodecCheckError(
          `the stream ended ${keep} bytes into a ${frame.length}-byte frame, and the decoder gave ` +
            (run.error === undefined
              ? `no error (frames: ${fc.stringify(run.frames)})`
              : describe(run.error)) +
            ', not TRUNCATED',
        );
      }
      if (run.frames.length !== list.length || !list.every((sent, i) => equals(run.frames[i] as T, sent))) {
        throw new CodecCheckError(
          `before the cut frame, ${fc.stringify(run.frames)} were decoded instead of ${fc.stringify(list)}`,
        );
      }
      checkBound(d, run.maxBuffered);
    }),
    params,
  );
}

/** Runs one property; on failure, throws the broken rule followed by fast-check's report. */
function holds(name: string, property: fc.IProperty<unknown>, params: fc.Parameters<unknown>): void {
  const details = fc.check(property, params);
  if (!details.failed) return;
  const cause = details.errorInstance;
  const reason = cause instanceof Error ? cause.message : String(cause);
  throw new Error(`checkCodec (${name}): ${reason}\n${fc.defaultReportMessage(details)}`, { cause });
}

function describe(error: unknown): string {
  if (error instanceof DecoderStallError) return `a stall (${error.message})`;
  if (isPortaError(error)) return `${error.code} (${error.message})`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Structural equality: bytes by value, arrays and plain objects deeply, the rest by `Object.is`. */
function structurallyEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (a.byteLength !== b.byteLength || a.constructor !== b.constructor) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => structurallyEqual(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      Object.getPrototypeOf(a) === Object.getPrototypeOf(b) &&
      ka.length === kb.length &&
      ka.every((k) => structurallyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}
