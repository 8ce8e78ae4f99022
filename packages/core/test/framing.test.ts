import {
  ChunkQueue,
  CorruptFrameError,
  type Decoder,
  decodeText,
  decodeWith,
  encodeLengthPrefixed,
  FixedLengthDecoder,
  FrameTooLongError,
  fixedLength,
  isPortaError,
  LengthFieldDecoder,
  type LengthFieldLength,
  type LengthFieldOptions,
  lengthField,
  lines,
  prependLength,
  RecvallDecoder,
  recvall,
  TruncatedError,
} from '@porta/core';
import fc from 'fast-check';
import { from, Observable, type OperatorFunction, of, Subject, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunked, chunkingArb, concat, drive, run } from './framing-support.js';

// ---------------------------------------------------------------- helpers

const messagesArb = (maxLength: number) => fc.array(fc.uint8Array({ maxLength }), { maxLength: 20 });

const bytes = (...values: number[]) => Uint8Array.from(values);
const ascii = (text: string) => new TextEncoder().encode(text);

// ---------------------------------------------------------------- decodeWith

describe('decodeWith', () => {
  it('creates a fresh decoder per subscription from a factory', () => {
    const op = decodeWith(() => new FixedLengthDecoder(2));
    const source = of(bytes(1, 2, 3));
    // If the decoder were shared, the leftover byte 3 would join the second subscription's bytes.
    expect(run(op, [bytes(1, 2, 3)]).error).toBeInstanceOf(TruncatedError);
    const again: Uint8Array[] = [];
    source.pipe(op).subscribe({ next: (f) => again.push(f), error: () => {} });
    expect(again).toEqual([bytes(1, 2)]);
  });

  it('refuses to share one decoder instance between two subscriptions', () => {
    const op = decodeWith(new FixedLengthDecoder(1));
    expect(run(op, [bytes(1)]).frames).toEqual([bytes(1)]);
    expect(isPortaError(run(op, [bytes(1)]).error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('releases the buffer on unsubscribe and stops emitting', () => {
    const subject = new Subject<Uint8Array>();
    const frames: Uint8Array[] = [];
    const sub = subject.pipe(fixedLength(2)).subscribe((f) => frames.push(f));
    subject.next(bytes(1, 2, 3));
    sub.unsubscribe();
    subject.next(bytes(4));
    expect(frames).toEqual([bytes(1, 2)]);
    expect(subject.observed).toBe(false);
  });

  it('forwards a source error', () => {
    const source: Observable<Uint8Array> = new Observable((s) => s.error(new Error('boom')));
    let error: unknown;
    source.pipe(fixedLength(1)).subscribe({ error: (e: unknown) => (error = e) });
    expect((error as Error).message).toBe('boom');
  });

  it('reports leftover bytes as TRUNCATED when a decoder has no decodeEnd', () => {
    const decoder: Decoder<number> = {
      decode(buf) {
        if (buf.length < 2) return undefined;
        buf.skip(2);
        return 1;
      },
    };
    const out = run(
      decodeWith(() => decoder),
      [bytes(1, 2, 3)],
    );
    expect(out.frames).toEqual([1]);
    expect(isPortaError(out.error, 'TRUNCATED')).toBe(true);
  });
});

// ---------------------------------------------------------------- recvall / fixedLength

describe('recvall', () => {
  it('emits exactly n bytes then completes, however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 40 }), chunkingArb, (data, how) => {
        const out = run(recvall(16), chunked(data, how));
        expect(out.error).toBeUndefined();
        expect(out.frames).toEqual([data.slice(0, 16)]);
      }),
    );
  });

  it('property: random bytes give the first n bytes or TRUNCATED, never more than n - 1 buffered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.uint8Array({ maxLength: 60 }),
        chunkingArb,
        (n, data, how) => {
          const d = new RecvallDecoder(n);
          const r = drive(d, chunked(data, how));
          if (data.length >= n) {
            expect(r.error).toBeUndefined();
            expect(r.frames).toEqual([data.slice(0, n)]);
          } else {
            expect(r.error).toBeInstanceOf(TruncatedError);
            expect((r.error as TruncatedError).received).toBe(data.length);
            expect(r.maxBuffered).toBeLessThanOrEqual(n - 1);
          }
        },
      ),
    );
  });

  it('fails with the course EOFError message when the stream ends early', () => {
    const out = run(recvall(16), [ascii('Enviei, s')]);
    expect(out.error).toBeInstanceOf(TruncatedError);
    expect((out.error as TruncatedError).code).toBe('TRUNCATED');
    expect((out.error as Error).message).toBe(
      'expected 16 bytes but received only 9 before the socket closed',
    );
    expect((out.error as TruncatedError).expected).toBe(16);
    expect((out.error as TruncatedError).received).toBe(9);
  });

  it('unsubscribes from the source once it has its bytes', () => {
    const subject = new Subject<Uint8Array>();
    let completed = false;
    subject.pipe(recvall(2)).subscribe({ complete: () => (completed = true) });
    subject.next(bytes(1, 2, 3));
    expect(completed).toBe(true);
    expect(subject.observed).toBe(false);
  });

  it('stops a source that emits synchronously without end once it has its bytes', () => {
    let emitted = 0;
    // Endless but for a safety stop, so that a regression fails the test instead of hanging it.
    const endless = new Observable<Uint8Array>((s) => {
      while (!s.closed && emitted < 10_000) s.next(Uint8Array.of(emitted++ & 255));
      s.complete();
    });
    const frames: Uint8Array[] = [];
    let completed = false;
    endless.pipe(recvall(2)).subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });
    expect(frames).toEqual([bytes(0, 1)]);
    expect(completed).toBe(true);
    expect(emitted).toBeLessThanOrEqual(3);
  });

  it.each<[string, OperatorFunction<Uint8Array, unknown>]>([
    ['lines()', lines()],
    ['lengthField()', lengthField({ lengthFieldLength: 1 })],
    ["lines({ encoding: 'utf8' })", lines({ encoding: 'utf8' })],
    ["decodeText('ascii')", decodeText('ascii')],
  ])('%s stops an endless synchronous source once its subscriber has had enough (take)', (_name, op) => {
    let emitted = 0;
    // Each chunk is one frame for every operator here: "\x01\n" is a 1-byte length-field frame too.
    const endless = new Observable<Uint8Array>((s) => {
      while (!s.closed && emitted < 10_000) {
        emitted++;
        s.next(bytes(1, 0x0a));
      }
      s.complete();
    });
    const out: unknown[] = [];
    endless.pipe(op, take(2)).subscribe((f) => out.push(f));
    expect(out).toHaveLength(2);
    expect(emitted).toBeLessThanOrEqual(3);
  });

  it('recvall(0) emits an empty frame', () => {
    expect(run(recvall(0), []).frames).toEqual([new Uint8Array(0)]);
  });

  it('keeps its bound: never more than n - 1 bytes buffered', () => {
    const d = new RecvallDecoder(5);
    const r = drive(d, chunked(bytes(1, 2, 3, 4, 5, 6), 'bytewise'));
    expect(r.frames).toEqual([bytes(1, 2, 3, 4, 5)]);
    expect(d.done).toBe(true);
  });

  it('refuses a negative size', () => {
    expect(() => recvall(-1)).toThrow(/recvall: size/);
  });
});

describe('fixedLength', () => {
  it('property: any messages of size n, any chunking, decode to exactly the messages', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat({ max: 20 }), chunkingArb, (n, count, how) => {
        const messages = Array.from({ length: count }, (_, i) => new Uint8Array(n).fill(i));
        const out = run(fixedLength(n), chunked(concat(messages), how));
        expect(out.error).toBeUndefined();
        expect(out.frames).toEqual(messages);
      }),
    );
  });

  it('property: random bytes give frames or TRUNCATED, never more than n - 1 bytes buffered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.uint8Array({ maxLength: 200 }),
        chunkingArb,
        (n, data, how) => {
          const r = drive(new FixedLengthDecoder(n), chunked(data, how));
          expect(r.maxBuffered).toBeLessThanOrEqual(n - 1);
          expect(r.frames.length).toBe(Math.floor(data.length / n));
          if (data.length % n === 0) expect(r.error).toBeUndefined();
          else expect(isPortaError(r.error, 'TRUNCATED')).toBe(true);
        },
      ),
    );
  });

  it('returns zero-copy views for frames inside one chunk and copies frames that span chunks', () => {
    // Chunks over 512 bytes are kept by reference (smaller ones are coalesced into blocks).
    const chunk = Uint8Array.from({ length: 1500 }, (_, i) => i & 255);
    const next = new Uint8Array(1000);
    const out = run(fixedLength(1000), [chunk, next]);
    expect(out.frames[0]!.buffer).toBe(chunk.buffer);
    expect(out.frames[0]!.byteOffset).toBe(0);
    expect(out.frames[1]!.subarray(0, 500)).toEqual(chunk.subarray(1000));
    expect(out.frames[1]!.buffer).not.toBe(chunk.buffer);
  });
});

// ---------------------------------------------------------------- lengthField / prependLength

const fieldLengthArb = fc.constantFrom<LengthFieldLength>(1, 2, 3, 4, 8);

describe('lengthField + prependLength', () => {
  it('property: any messages, any field format, any chunking: decode(encode(m)) = m', () => {
    fc.assert(
      fc.property(
        fieldLengthArb,
        fc.constantFrom<'big' | 'little'>('big', 'little'),
        fc.boolean(),
        messagesArb(200),
        chunkingArb,
        (size, byteOrder, includes, messages, how) => {
          const enc = {
            lengthFieldLength: size,
            byteOrder,
            lengthIncludesLengthFieldLength: includes,
          } as const;
          const wire = run(prependLength(enc), messages as never).frames as Uint8Array[];
          const options = {
            lengthFieldLength: size,
            byteOrder,
            lengthAdjustment: includes ? -size : 0,
          } as const;
          const out = run(lengthField(options), chunked(concat(wire), how));
          expect(out.error).toBeUndefined();
          expect(out.frames).toEqual(messages);
          // Every frame is emitted as soon as its last byte arrives, not held back until the end.
          const r = drive(new LengthFieldDecoder(options), chunked(concat(wire), how));
          expect(r.beforeEnd).toBe(messages.length);
        },
      ),
    );
  });

  it('property: lengthFieldOffset, lengthAdjustment and initialBytesToStrip', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 5 }),
        fieldLengthArb,
        fc.nat({ max: 3 }),
        fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 10 }),
        chunkingArb,
        (offset, size, trailer, bodies, how) => {
          // Wire frame: [offset bytes][length of body only][body][trailer bytes, counted by adjustment].
          const frames = bodies.map((body, i) => {
            const prefix = new Uint8Array(offset).fill(0xa0 + i);
            const field = encodeLengthPrefixed(new Uint8Array(0), { lengthFieldLength: size });
            const withLen = encodeLengthPrefixed(body, { lengthFieldLength: size });
            expect(field.length).toBe(size);
            return concat([prefix, withLen, new Uint8Array(trailer).fill(0xee)]);
          });
          const options: LengthFieldOptions = {
            lengthFieldOffset: offset,
            lengthFieldLength: size,
            lengthAdjustment: trailer,
            initialBytesToStrip: 0,
          };
          const whole = run(lengthField(options), chunked(concat(frames), how));
          expect(whole.error).toBeUndefined();
          expect(whole.frames).toEqual(frames);
          const stripped = run(
            lengthField({ ...options, initialBytesToStrip: offset + size }),
            chunked(concat(frames), how),
          );
          expect(stripped.frames).toEqual(frames.map((f) => f.subarray(offset + size)));
        },
      ),
    );
  });

  it('property: random bytes give frames or typed errors only, buffered bytes never above the bound', () => {
    fc.assert(
      fc.property(
        fieldLengthArb,
        fc.integer({ min: -10, max: 10 }),
        fc.integer({ min: 8, max: 64 }),
        fc.boolean(),
        fc.boolean(),
        fc.uint8Array({ maxLength: 400 }),
        chunkingArb,
        (size, adjustment, max, failFast, skip, data, how) => {
          const options = {
            lengthFieldLength: size,
            lengthAdjustment: adjustment,
            maxFrameLength: max,
            failFast,
          };
          const d = new LengthFieldDecoder(options);
          const r = drive(d, chunked(data, how), skip);
          expect(r.maxBuffered).toBeLessThanOrEqual(max - 1);
          if (r.error !== undefined) {
            expect(isPortaError(r.error)).toBe(true);
            expect(['FRAME_TOO_LONG', 'CORRUPT_FRAME', 'TRUNCATED']).toContain(
              (r.error as { code: string }).code,
            );
          }
          for (const f of r.frames) expect(f.length).toBeLessThanOrEqual(max);
          const viaOperator = run(lengthField(options), chunked(data, how));
          if (viaOperator.error !== undefined) expect(isPortaError(viaOperator.error)).toBe(true);
        },
      ),
    );
  });

  it('fails on a 0xFFFFFFFF header before any allocation, with the raw header in the message', () => {
    const d = new LengthFieldDecoder();
    const buf = new ChunkQueue();
    buf.push(bytes(0xff, 0xff, 0xff, 0xff));
    let error: unknown;
    try {
      d.decode(buf);
    } catch (e) {
      error = e;
    }
    // Decided on the four header bytes alone: no body byte has arrived, nothing was reserved.
    expect(error).toBeInstanceOf(FrameTooLongError);
    const e = error as FrameTooLongError;
    expect(e.code).toBe('FRAME_TOO_LONG');
    expect(e.message).toBe(
      'frame of 4294967299 bytes exceeds maxFrameLength 8388608 (raw header: ff ff ff ff)',
    );
    expect(e.header).toEqual(bytes(0xff, 0xff, 0xff, 0xff));
    expect(e.length).toBe(0xffffffff + 4);
    expect(e.maxFrameLength).toBe(8 * 1024 * 1024);
    expect(buf.length).toBe(0);
  });

  it('the operator errors with FRAME_TOO_LONG on the header alone', () => {
    const out = run(lengthField(), [bytes(0xff, 0xff, 0xff, 0xff)]);
    expect(isPortaError(out.error, 'FRAME_TOO_LONG')).toBe(true);
  });

  it('an adjusted length smaller than the header is CORRUPT_FRAME', () => {
    const out = run(lengthField({ lengthFieldLength: 2, lengthAdjustment: -10 }), [bytes(0, 3, 1, 2, 3)]);
    expect(out.error).toBeInstanceOf(CorruptFrameError);
    expect((out.error as Error).message).toMatch(/adjusted frame length -5 .* less than the header length 2/);
    expect((out.error as Error).message).toContain('raw header: 00 03');
  });

  it('a negative 8-byte length is CORRUPT_FRAME', () => {
    const out = run(lengthField({ lengthFieldLength: 8 }), [bytes(0x80, 0, 0, 0, 0, 0, 0, 1)]);
    expect(isPortaError(out.error, 'CORRUPT_FRAME')).toBe(true);
    expect((out.error as Error).message).toContain('negative length');
  });

  it('an adjusted length smaller than initialBytesToStrip is CORRUPT_FRAME', () => {
    const out = run(lengthField({ lengthFieldLength: 1, initialBytesToStrip: 5 }), [bytes(2, 9, 9)]);
    expect(isPortaError(out.error, 'CORRUPT_FRAME')).toBe(true);
  });

  it('Netty testDiscardTooLongFrame: the too-long frame is discarded and the next one decodes', () => {
    const tooLong = concat([bytes(0, 0, 0, 32), Uint8Array.from({ length: 32 }, (_, i) => i)]);
    const next = concat([bytes(0, 0, 0, 1), ascii('a')]);
    const d = new LengthFieldDecoder({ maxFrameLength: 16, initialBytesToStrip: 0 });
    const buf = new ChunkQueue();
    buf.push(concat([tooLong, next]));
    expect(() => d.decode(buf)).toThrow(FrameTooLongError);
    expect(d.decode(buf)).toEqual(next);
    expect(buf.length).toBe(0);
  });

  it('Netty testFailFastTooLongFrameRecovery: fails on the header, discards the body, resyncs', () => {
    const d = new LengthFieldDecoder({ maxFrameLength: 5 });
    const buf = new ChunkQueue();
    for (let i = 0; i < 2; i++) {
      buf.push(bytes(0, 0, 0, 2));
      expect(() => d.decode(buf)).toThrow(FrameTooLongError);
      buf.push(bytes(0, 0, 0, 0, 0, 1, 0x41));
      expect(d.decode(buf)).toEqual(ascii('A'));
    }
  });

  it('Netty testFailSlowTooLongFrameRecovery: fails once the body has gone by, then resyncs', () => {
    const d = new LengthFieldDecoder({ maxFrameLength: 5, failFast: false });
    const buf = new ChunkQueue();
    for (let i = 0; i < 2; i++) {
      buf.push(bytes(0, 0, 0, 2));
      expect(d.decode(buf)).toBeUndefined();
      buf.push(bytes(0, 0));
      expect(() => d.decode(buf)).toThrow(FrameTooLongError);
      buf.push(bytes(0, 0, 0, 1, 0x41));
      expect(d.decode(buf)).toEqual(ascii('A'));
    }
  });

  it("onTooLong: 'skip' drops the frame, reports it to onDrop and goes on (fail-fast and fail-slow)", () => {
    for (const failFast of [true, false]) {
      const drops: number[] = [];
      const wire = concat([bytes(0, 0, 0, 9), new Uint8Array(9), bytes(0, 0, 0, 1, 0x41), bytes(0, 0, 0, 0)]);
      const out = run(
        lengthField({
          maxFrameLength: 8,
          failFast,
          onTooLong: 'skip',
          onDrop: (e, n) => drops.push(e.length, n),
        }),
        chunked(wire, 'bytewise'),
      );
      expect(out.error).toBeUndefined();
      expect(out.frames).toEqual([ascii('A'), new Uint8Array(0)]);
      expect(drops).toEqual([13, 1]);
    }
  });

  it('end of stream mid-header is TRUNCATED naming the header length', () => {
    const out = run(lengthField(), [bytes(0, 0)]);
    expect(out.error).toBeInstanceOf(TruncatedError);
    expect((out.error as Error).message).toBe(
      'expected 4 bytes but received only 2 before the socket closed',
    );
  });

  it('end of stream mid-body is TRUNCATED with expected and received counts', () => {
    const out = run(lengthField({ initialBytesToStrip: 0 }), [bytes(0, 0, 0, 12), ascii('Enviei')]);
    expect(out.error).toBeInstanceOf(TruncatedError);
    expect((out.error as TruncatedError).expected).toBe(16);
    expect((out.error as TruncatedError).received).toBe(10);
  });

  it('end of stream while discarding an oversized frame is TRUNCATED', () => {
    const out = run(lengthField({ maxFrameLength: 8, onTooLong: 'skip' }), [bytes(0, 0, 0, 20, 1, 2)]);
    expect(isPortaError(out.error, 'TRUNCATED')).toBe(true);
  });

  it('zero-length frames', () => {
    const out = run(lengthField(), [bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 7)]);
    expect(out.frames).toEqual([new Uint8Array(0), new Uint8Array(0), bytes(7)]);
  });

  it('a frame of exactly maxFrameLength is accepted and one byte more is refused', () => {
    // maxFrameLength bounds the whole frame, header included (Netty): 4 + 12 = 16.
    const ok = run(lengthField({ maxFrameLength: 16 }), [bytes(0, 0, 0, 12), new Uint8Array(12)]);
    expect(ok.frames).toEqual([new Uint8Array(12)]);
    const tooLong = run(lengthField({ maxFrameLength: 16 }), [bytes(0, 0, 0, 13), new Uint8Array(13)]);
    expect(isPortaError(tooLong.error, 'FRAME_TOO_LONG')).toBe(true);
    expect((tooLong.error as FrameTooLongError).length).toBe(17);
  });

  it('many frames plus a partial one in one chunk, completed by the next chunk', () => {
    const frames = [ascii('one'), ascii(''), ascii('three'), ascii('four!')];
    const wire = concat(frames.map((f) => encodeLengthPrefixed(f)));
    const cut = wire.length - 3;
    const subject = new Subject<Uint8Array>();
    const seen: Uint8Array[] = [];
    subject.pipe(lengthField()).subscribe((f) => seen.push(f));
    subject.next(wire.subarray(0, cut));
    expect(seen).toEqual(frames.slice(0, 3));
    subject.next(wire.subarray(cut));
    expect(seen).toEqual(frames);
  });

  it('grows a frame with its bytes: nothing is buffered beyond what arrived', () => {
    const d = new LengthFieldDecoder();
    const buf = new ChunkQueue();
    buf.push(bytes(0, 0x40, 0, 0)); // declares 4 MiB
    expect(d.decode(buf)).toBeUndefined();
    buf.push(new Uint8Array(10));
    expect(d.decode(buf)).toBeUndefined();
    expect(buf.length).toBe(14);
  });

  it('reads 1, 2, 3 and 8-byte fields in both byte orders', () => {
    const cases: [LengthFieldLength, 'big' | 'little', number[]][] = [
      [1, 'big', [3]],
      [2, 'little', [3, 0]],
      [3, 'big', [0, 0, 3]],
      [3, 'little', [3, 0, 0]],
      [8, 'big', [0, 0, 0, 0, 0, 0, 0, 3]],
      [8, 'little', [3, 0, 0, 0, 0, 0, 0, 0]],
    ];
    for (const [size, byteOrder, header] of cases) {
      const out = run(lengthField({ lengthFieldLength: size, byteOrder }), [bytes(...header, 1, 2, 3)]);
      expect(out.frames).toEqual([bytes(1, 2, 3)]);
    }
  });

  it('refuses bad options when the operator is made', () => {
    expect(() => lengthField({ lengthFieldLength: 5 as LengthFieldLength })).toThrow(/lengthFieldLength/);
    expect(() => lengthField({ maxFrameLength: 3 })).toThrow(/shorter than the header/);
    expect(() => lengthField({ lengthFieldOffset: -1 })).toThrow(/lengthFieldOffset/);
  });
});

describe('prependLength', () => {
  it('refuses a frame whose length does not fit the field (ENCODE)', () => {
    const out = run(prependLength({ lengthFieldLength: 1 }), [new Uint8Array(256)]);
    expect(isPortaError(out.error, 'ENCODE')).toBe(true);
    expect((out.error as Error).message).toContain('256');
    expect(run(prependLength({ lengthFieldLength: 1 }), [new Uint8Array(255)]).frames[0]![0]).toBe(255);
  });

  it('refuses a 6 MiB frame behind a 2-byte length', () => {
    expect(() => encodeLengthPrefixed(new Uint8Array(6 * 1024 * 1024), { lengthFieldLength: 2 })).toThrow(
      /does not fit a 2-byte length field/,
    );
  });

  it('refuses a negative adjusted length', () => {
    // The field holds body length - lengthAdjustment (lengthField's arithmetic): 1 - 2 < 0.
    expect(() => encodeLengthPrefixed(new Uint8Array(1), { lengthAdjustment: 2 })).toThrow(
      /ENCODE|does not fit/,
    );
  });

  it('writes the length in the chosen byte order, optionally counting the field', () => {
    expect(encodeLengthPrefixed(bytes(9), { lengthFieldLength: 2, byteOrder: 'little' })).toEqual(
      bytes(1, 0, 9),
    );
    expect(
      encodeLengthPrefixed(bytes(9), { lengthFieldLength: 2, lengthIncludesLengthFieldLength: true }),
    ).toEqual(bytes(0, 3, 9));
  });

  it('round-trips with lengthField through a real pipe of observables', async () => {
    const { lastValueFrom } = await import('rxjs');
    const messages = [ascii('a'), ascii(''), ascii('hello')];
    const result = await lastValueFrom(from(messages).pipe(prependLength(), lengthField(), toArray()));
    expect(result).toEqual(messages);
  });
});

describe('decodeWith onTooLong: skip', () => {
  it('an onDrop callback that throws errors the stream instead of escaping', () => {
    const out = run(
      lengthField({
        maxFrameLength: 8,
        onTooLong: 'skip',
        onDrop: () => {
          throw new Error('from onDrop');
        },
      }),
      [bytes(0, 0, 0, 9), new Uint8Array(9)],
    );
    expect((out.error as Error).message).toBe('from onDrop');
  });
});
