import {
  ChunkQueue,
  DelimitedDecoder,
  delimited,
  encodeLines,
  FrameTooLongError,
  isPortaError,
  LinesDecoder,
  lines,
  TruncatedError,
} from '@porta/core';
import fc from 'fast-check';
import { type OperatorFunction, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunked, chunkingArb, concat, drive, run } from './framing-support.js';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (...values: number[]) => Uint8Array.from(values);

/** Byte strings that never contain `\n` or `\r`. */
const lineArb = fc
  .uint8Array({ maxLength: 80 })
  .map((b) => b.map((x) => (x === 0x0a || x === 0x0d ? 0x20 : x)));

// ---------------------------------------------------------------- lines

describe('lines + encodeLines', () => {
  it('property: any lines, LF or CRLF, any chunking, decode to exactly the lines (stripped)', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 25 }),
        fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
        chunkingArb,
        (input, ending, how) => {
          const wire = run(encodeLines({ ending }), input).frames;
          const out = run(lines(), chunked(concat(wire), how));
          expect(out.error).toBeUndefined();
          expect(out.frames).toEqual(input);
          // Every line is emitted as soon as its newline arrives, not held back until the end.
          expect(drive(new LinesDecoder(), chunked(concat(wire), how)).beforeEnd).toBe(input.length);
        },
      ),
    );
  });

  it('property: keepEnds keeps each terminator as sent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lineArb, fc.constantFrom('\n', '\r\n')), { maxLength: 20 }),
        chunkingArb,
        (input, how) => {
          const wire = input.map(([line, end]) => concat([line, enc(end)]));
          const out = run(lines({ keepEnds: true }), chunked(concat(wire), how));
          expect(out.frames).toEqual(wire);
        },
      ),
    );
  });

  it('property: random bytes give lines or typed errors only, never more than maxFrameLength + 1 buffered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        fc.boolean(),
        fc
          .uint8Array({ maxLength: 300 })
          .map((b) => b.map((x) => (x % 7 === 0 ? 0x0a : x % 11 === 0 ? 0x0d : x))),
        chunkingArb,
        (max, failFast, skip, data, how) => {
          const d = new LinesDecoder({ maxFrameLength: max, failFast });
          const r = drive(d, chunked(data, how), skip);
          expect(r.maxBuffered).toBeLessThanOrEqual(max + 1);
          for (const line of r.frames) expect(line.length).toBeLessThanOrEqual(max);
          if (r.error !== undefined) {
            expect(['FRAME_TOO_LONG', 'TRUNCATED']).toContain((r.error as { code: string }).code);
          }
          const viaOperator = run(lines({ maxFrameLength: max, failFast }), chunked(data, how));
          if (viaOperator.error !== undefined) expect(isPortaError(viaOperator.error)).toBe(true);
        },
      ),
    );
  });

  it('a line longer than maxFrameLength fails before the buffer grows past it', () => {
    const d = new LinesDecoder({ maxFrameLength: 8 });
    const buf = new ChunkQueue();
    // 9 bytes may still be an 8-byte line plus the CR of a CRLF: not yet provably too long.
    for (const b of enc('aaaaaaaaa')) {
      buf.push(bytes(b));
      expect(d.decode(buf)).toBeUndefined();
    }
    expect(buf.length).toBe(9);
    buf.push(enc('a'));
    expect(() => d.decode(buf)).toThrow(FrameTooLongError);
    expect(buf.length).toBe(0);
  });

  it('a line of exactly maxFrameLength is accepted and one byte more is refused', () => {
    expect(run(lines({ maxFrameLength: 4 }), [enc('abcd\r\n')]).frames).toEqual([enc('abcd')]);
    const tooLong = run(lines({ maxFrameLength: 4 }), [enc('abcde\n')]);
    expect(isPortaError(tooLong.error, 'FRAME_TOO_LONG')).toBe(true);
    expect((tooLong.error as FrameTooLongError).length).toBe(5);
  });

  it("names a too-long line's preview as its first bytes, not a header, as bytes and as text", () => {
    const expected = 'frame of 6 bytes exceeds maxFrameLength 4 (first bytes: 61 62 63 64 65 66)';
    for (const op of [lines({ maxFrameLength: 4 }), lines({ maxFrameLength: 4, encoding: 'utf8' })]) {
      const out = run(op as OperatorFunction<Uint8Array, unknown>, [enc('abcdef\r\n')]);
      expect(isPortaError(out.error, 'FRAME_TOO_LONG')).toBe(true);
      expect((out.error as Error).message).toBe(expected);
    }
    // Found too long before its newline (fail-fast): the bytes seen so far, at most 16 of them.
    const early = run(lines({ maxFrameLength: 20 }), [enc('x'.repeat(30))]);
    expect((early.error as Error).message).toBe(
      `frame of 30 bytes exceeds maxFrameLength 20 (first bytes: ${'78 '.repeat(15)}78)`,
    );
  });

  it('discard and resync in fail-fast mode: the error comes first, the next line decodes', () => {
    const d = new LinesDecoder({ maxFrameLength: 3 });
    const buf = new ChunkQueue();
    buf.push(enc('toolong'));
    expect(() => d.decode(buf)).toThrow(FrameTooLongError);
    buf.push(enc('still too long\nok\n'));
    expect(dec(d.decode(buf)!)).toBe('ok');
  });

  it('discard and resync in fail-slow mode: the error comes at the newline, then the next line decodes', () => {
    const d = new LinesDecoder({ maxFrameLength: 3, failFast: false });
    const buf = new ChunkQueue();
    buf.push(enc('toolong'));
    expect(d.decode(buf)).toBeUndefined();
    buf.push(enc('still\nok\n'));
    let error: unknown;
    try {
      d.decode(buf);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameTooLongError);
    expect((error as FrameTooLongError).length).toBe(12);
    expect(dec(d.decode(buf)!)).toBe('ok');
  });

  it("onTooLong: 'skip' drops long lines and counts them", () => {
    const drops: number[] = [];
    const out = run(lines({ maxFrameLength: 3, onTooLong: 'skip', onDrop: (_e, n) => drops.push(n) }), [
      enc('a\nlong line\nb\nanother long one\nc\n'),
    ]);
    expect(out.frames.map(dec)).toEqual(['a', 'b', 'c']);
    expect(drops).toEqual([1, 2]);
  });

  it('empty lines are emitted as empty frames', () => {
    expect(run(lines(), [enc('\n\r\n\n')]).frames).toEqual([bytes(), bytes(), bytes()]);
  });

  it('a last line without newline is TRUNCATED by default and emitted with atEnd: emit', () => {
    const out = run(lines(), [enc('a\nhalf')]);
    expect(out.frames.map(dec)).toEqual(['a']);
    expect(out.error).toBeInstanceOf(TruncatedError);
    expect((out.error as Error).message).toContain('4 bytes');
    expect(run(lines({ atEnd: 'emit' }), [enc('a\nhalf')]).frames.map(dec)).toEqual(['a', 'half']);
  });

  it('many lines plus a partial one in one chunk', () => {
    const subject = new Subject<Uint8Array>();
    const seen: string[] = [];
    subject.pipe(lines()).subscribe((l) => seen.push(dec(l)));
    subject.next(enc('one\ntwo\r\nthree\nfo'));
    expect(seen).toEqual(['one', 'two', 'three']);
    subject.next(enc('ur\n'));
    expect(seen).toEqual(['one', 'two', 'three', 'four']);
  });

  it('scans a long line delivered one byte per chunk in linear time', () => {
    // Quadratic rescanning would take ~10^10 steps here and time the test out.
    const n = 200_000;
    const chunks = chunked(concat([new Uint8Array(n).fill(0x61), enc('\n')]), 'bytewise');
    const out = run(lines({ maxFrameLength: n }), chunks);
    expect(out.frames[0]!.length).toBe(n);
  });

  it('encodeLines refuses a line that contains a newline', () => {
    const out = run(encodeLines(), ['two\nlines']);
    expect(isPortaError(out.error, 'ENCODE')).toBe(true);
    expect((out.error as Error).message).toContain('offset 3');
  });
});

// ---------------------------------------------------------------- lines({ encoding })

describe('lines({ encoding }): lines as strings', () => {
  const textInputArb = fc
    .array(
      fc.tuple(
        fc.string({ unit: 'grapheme', maxLength: 12 }).map((t) => t.replaceAll('\n', ' ')),
        fc.constantFrom('\n', '\r\n', '\r', ''),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.map(([t, e]) => t + e).join(''));

  it('property: same lines and same errors as lines() + decoding each line, for any options and chunking', () => {
    fc.assert(
      fc.property(
        textInputArb,
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<'error' | 'emit'>('error', 'emit'),
        chunkingArb,
        (text, max, failFast, skip, keepEnds, atEnd, how) => {
          const chunks = chunked(enc(text), how);
          const base = {
            maxFrameLength: max,
            failFast,
            keepEnds,
            atEnd,
            onTooLong: skip ? 'skip' : 'error',
          } as const;
          const dropsBytes: number[] = [];
          const dropsText: number[] = [];
          const viaBytes = run(lines({ ...base, onDrop: (e) => dropsBytes.push(e.length) }), chunks);
          const viaText = run(
            lines({ ...base, encoding: 'utf8', onDrop: (e) => dropsText.push(e.length) }),
            chunks,
          );
          expect(viaText.frames).toEqual(viaBytes.frames.map(dec));
          expect((viaText.error as { code?: string } | undefined)?.code).toBe(
            (viaBytes.error as { code?: string } | undefined)?.code,
          );
          if (viaBytes.error instanceof FrameTooLongError) {
            expect((viaText.error as FrameTooLongError).length).toBe(viaBytes.error.length);
          }
          expect(dropsText).toEqual(dropsBytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a character split across chunks and rejects invalid UTF-8 with DECODE', () => {
    const bytesOf = enc('olá\nmundo€\n');
    expect(run(lines({ encoding: 'utf8' }), chunked(bytesOf, 'bytewise')).frames).toEqual(['olá', 'mundo€']);
    // As lines() + per-line decoding: the valid line before the bad one comes out, in any chunking.
    const bad = run(lines({ encoding: 'utf8' }), [bytes(0x61, 0x0a, 0xff, 0x0a)]);
    expect(bad.frames).toEqual(['a']);
    expect(isPortaError(bad.error, 'DECODE')).toBe(true);
  });

  it('strict ASCII: a non-ASCII byte is DECODE naming the offset', () => {
    const out = run(lines({ encoding: 'ascii' }), [enc('ok\n'), enc('não\n')]);
    expect(out.frames).toEqual(['ok']);
    expect(isPortaError(out.error, 'DECODE')).toBe(true);
    // Each line is decoded as a whole message: the offset counts from the start of the line.
    expect((out.error as Error).message).toBe('byte 0xc3 at offset 1 is not ASCII');
  });

  it('maxFrameLength counts bytes, not characters', () => {
    // "€€" is 2 characters but 6 bytes.
    const out = run(lines({ encoding: 'utf8', maxFrameLength: 5 }), [enc('€€\n')]);
    expect(isPortaError(out.error, 'FRAME_TOO_LONG')).toBe(true);
    expect((out.error as FrameTooLongError).length).toBe(6);
    expect(run(lines({ encoding: 'utf8', maxFrameLength: 6 }), [enc('€€\n')]).frames).toEqual(['€€']);
  });

  it('refuses an unknown encoding', () => {
    expect(() => lines({ encoding: 'latin1' as 'utf8' })).toThrow(/encoding/);
  });

  it('a subscriber that pushes to (or ends) the source inside next does not reorder or lose text', () => {
    // An echo loop on a Subject: the reply to line "a" arrives while "a\nb" is still being split.
    const echo = new Subject<Uint8Array>();
    const echoed: string[] = [];
    let echoEnd = '';
    echo.pipe(lines({ encoding: 'utf8' })).subscribe({
      next: (line) => {
        echoed.push(line);
        if (line === 'a') echo.next(enc('c\n'));
        if (line === 'bc') echo.complete();
      },
      complete: () => (echoEnd = 'complete'),
    });
    echo.next(enc('a\nb'));
    expect(echoed).toEqual(['a', 'bc']);
    expect(echoEnd).toBe('complete');

    // Ending the source from inside next: the "b" after the line is still judged at the end.
    const ended = new Subject<Uint8Array>();
    let error: unknown;
    ended.pipe(lines({ encoding: 'ascii' })).subscribe({
      next: () => ended.complete(),
      error: (e: unknown) => (error = e),
    });
    ended.next(enc('a\nb'));
    expect(isPortaError(error, 'TRUNCATED')).toBe(true);

    // Ended inside a line (inside a character too): the lines before it in the same chunk still come
    // first, then the unterminated line is TRUNCATED, as lines() says before any decoding.
    const split = new Subject<Uint8Array>();
    const before: string[] = [];
    let splitError: unknown;
    split.pipe(lines({ encoding: 'utf8' })).subscribe({
      next: (line) => {
        before.push(line);
        if (line === 'a') split.complete();
      },
      error: (e: unknown) => (splitError = e),
    });
    split.next(Uint8Array.of(0x61, 0x0a, 0x62, 0x0a, 0xc3));
    expect(before).toEqual(['a', 'b']);
    expect(isPortaError(splitError, 'TRUNCATED')).toBe(true);
  });
});

// ---------------------------------------------------------------- delimited

describe('delimited', () => {
  it('property: any frames, one or several delimiters, any chunking, strip or keep', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 50 }).map((b) => b.map((x) => (x === 0 || x === 0xff ? 1 : x))),
          {
            maxLength: 20,
          },
        ),
        fc.boolean(),
        chunkingArb,
        (frames, strip, how) => {
          // Delimiters: 0x00 and the two-byte 0xff 0xff; frames never contain either byte.
          const delims = [bytes(0), bytes(0xff, 0xff)];
          const wire = frames.map((f, i) => concat([f, delims[i % 2]!]));
          const out = run(
            delimited({ delimiters: delims, stripDelimiter: strip }),
            chunked(concat(wire), how),
          );
          expect(out.error).toBeUndefined();
          expect(out.frames).toEqual(strip ? frames : wire);
          const r = drive(new DelimitedDecoder({ delimiters: delims }), chunked(concat(wire), how));
          expect(r.beforeEnd).toBe(frames.length);
        },
      ),
    );
  });

  it('property: random bytes give frames or typed errors only, buffered bytes never above the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.boolean(),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }).map((b) => b.map((x) => x % 4)),
        chunkingArb,
        (max, failFast, skip, data, how) => {
          const d = new DelimitedDecoder({
            delimiters: [bytes(1, 2, 3), bytes(0)],
            maxFrameLength: max,
            failFast,
          });
          const r = drive(d, chunked(data, how), skip);
          expect(r.maxBuffered).toBeLessThanOrEqual(max + 2);
          expect(d.maxBuffered).toBe(max + 2);
          for (const f of r.frames) expect(f.length).toBeLessThanOrEqual(max);
          if (r.error !== undefined) {
            expect(['FRAME_TOO_LONG', 'TRUNCATED']).toContain((r.error as { code: string }).code);
          }
        },
      ),
    );
  });

  it('picks the delimiter that ends the shortest frame, and the longest at the same position', () => {
    const out = run(delimited({ delimiters: ['\r', '\r\n', 'x'] }), [enc('ab\r\ncdxe\rf\r')]);
    expect(out.frames.map(dec)).toEqual(['ab', 'cd', 'e', 'f']);
  });

  it('finds a multi-byte delimiter split across chunks', () => {
    const out = run(
      delimited({ delimiters: '--END--' }),
      chunked(enc('hello--END--world--END--'), [3, 5, 1]),
    );
    expect(out.frames.map(dec)).toEqual(['hello', 'world']);
  });

  it('a frame longer than maxFrameLength fails before the buffer grows past it', () => {
    const d = new DelimitedDecoder({ delimiters: '\0', maxFrameLength: 4 });
    const buf = new ChunkQueue();
    buf.push(enc('abcd'));
    expect(d.decode(buf)).toBeUndefined();
    buf.push(enc('e'));
    expect(() => d.decode(buf)).toThrow(FrameTooLongError);
    expect(buf.length).toBe(0);
  });

  it('exactly maxFrameLength accepted, one byte more refused', () => {
    expect(run(delimited({ delimiters: '\0', maxFrameLength: 3 }), [enc('abc\0')]).frames.map(dec)).toEqual([
      'abc',
    ]);
    expect(
      isPortaError(
        run(delimited({ delimiters: '\0', maxFrameLength: 3 }), [enc('abcd\0')]).error,
        'FRAME_TOO_LONG',
      ),
    ).toBe(true);
  });

  it("previews a too-long frame's own first bytes, not the delimiter or the next frame", () => {
    const out = run(delimited({ delimiters: '\0', maxFrameLength: 2 }), [enc('abc\0next\0')]);
    expect(isPortaError(out.error, 'FRAME_TOO_LONG')).toBe(true);
    expect((out.error as FrameTooLongError).header).toEqual(enc('abc'));
    expect((out.error as Error).message).toBe(
      'frame of 3 bytes exceeds maxFrameLength 2 (first bytes: 61 62 63)',
    );
  });

  it('Netty fail-fast recovery: fails as soon as the frame is too long, resyncs after the delimiter', () => {
    const d = new DelimitedDecoder({ delimiters: '\0', maxFrameLength: 1 });
    const buf = new ChunkQueue();
    for (let i = 0; i < 2; i++) {
      buf.push(bytes(1, 2));
      expect(() => d.decode(buf)).toThrow(FrameTooLongError);
      buf.push(bytes(0, 0x41, 0));
      expect(dec(d.decode(buf)!)).toBe('A');
    }
  });

  it('Netty fail-slow recovery: fails at the delimiter, then resyncs', () => {
    const d = new DelimitedDecoder({ delimiters: '\0', maxFrameLength: 1, failFast: false });
    const buf = new ChunkQueue();
    for (let i = 0; i < 2; i++) {
      buf.push(bytes(1, 2));
      expect(d.decode(buf)).toBeUndefined();
      buf.push(bytes(0));
      expect(() => d.decode(buf)).toThrow(FrameTooLongError);
      buf.push(bytes(0x41, 0));
      expect(dec(d.decode(buf)!)).toBe('A');
    }
  });

  it('zero-length frames', () => {
    expect(run(delimited({ delimiters: ';' }), [enc(';;a;')]).frames.map(dec)).toEqual(['', '', 'a']);
  });

  it('end of stream without a final delimiter is TRUNCATED (or emitted with atEnd: emit)', () => {
    expect(isPortaError(run(delimited({ delimiters: ';' }), [enc('a;b')]).error, 'TRUNCATED')).toBe(true);
    expect(run(delimited({ delimiters: ';', atEnd: 'emit' }), [enc('a;b')]).frames.map(dec)).toEqual([
      'a',
      'b',
    ]);
  });

  it('refuses an empty delimiter', () => {
    expect(() => delimited({ delimiters: '' })).toThrow(/non-empty/);
    expect(() => delimited({ delimiters: [] })).toThrow(/non-empty/);
  });
});
