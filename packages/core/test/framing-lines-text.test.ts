// lines({ encoding }) is defined as lines() followed by a strict per-line decodeText(…, { stream: false }):
// same lines, same errors (code and message), same drops, for every input and every chunking.
import {
  ChunkQueue,
  decodeText,
  type FrameTooLongError,
  isPortaError,
  LinesDecoder,
  type LinesOptions,
  lines,
  type TextEncoding,
} from '@porta/core';
import { chunked, chunkings } from '@porta/core/testing';
import fc from 'fast-check';
import { type Observable, type OperatorFunction, Subject, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { run } from './framing-support.js';

const enc = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Seen {
  readonly frames: unknown[];
  readonly error: string | undefined;
  readonly drops: number[];
}

/**
 * Runs an operator made with an onDrop recorder; the error as `CODE: message`. Drops count until the
 * output errors: with a synchronous source, `lines()` before a failing `decodeText` cannot learn that
 * its consumer has gone until it next emits, so it may still judge (and count) a line no one will read.
 */
function seen(
  make: (onDrop: (e: FrameTooLongError) => void) => OperatorFunction<Uint8Array, unknown>,
  chunks: Uint8Array[],
): Seen {
  const drops: number[] = [];
  let errored = false;
  const op = make((e) => {
    if (!errored) drops.push(e.length);
  });
  const out = run(
    (source: Observable<Uint8Array>) => op(source).pipe(tap({ error: () => (errored = true) })),
    chunks,
  );
  const e = out.error as { code?: string; message?: string } | undefined;
  return { frames: out.frames, error: e === undefined ? undefined : `${e.code}: ${e.message}`, drops };
}

function bothWays(options: LinesOptions & { readonly encoding: TextEncoding }, chunks: Uint8Array[]) {
  const { encoding, ...byteOptions } = options;
  const text = seen((onDrop) => lines({ ...options, onDrop }), chunks);
  const bytesThenDecode = seen(
    (onDrop) => (source) =>
      source.pipe(lines({ ...byteOptions, onDrop }), decodeText(encoding, { stream: false })),
    chunks,
  );
  return { text, bytesThenDecode };
}

/** Bytes that stress line text: LF, CR, invalid and multi-byte UTF-8, ASCII. */
const lineBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0x0d, 0xff, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80),
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 120 },
  )
  .map((a) => Uint8Array.from(a));

const optionsArb = fc.record({
  encoding: fc.constantFrom<TextEncoding>('utf8', 'ascii'),
  maxFrameLength: fc.integer({ min: 0, max: 24 }),
  failFast: fc.boolean(),
  keepEnds: fc.boolean(),
  atEnd: fc.constantFrom<'error' | 'emit'>('error', 'emit'),
  onTooLong: fc.constantFrom<'error' | 'skip'>('error', 'skip'),
});

describe('lines({ encoding }) = lines() then a strict decode per line', () => {
  it('property: equal lines, errors and drops for any bytes (invalid text too), any options, any chunking', () => {
    fc.assert(
      fc.property(lineBytes, optionsArb, chunkings, (data, options, how) => {
        const { text, bytesThenDecode } = bothWays(options, chunked(data, how));
        expect(text).toEqual(bytesThenDecode);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: the same with chunks too large to share a buffer block, so lines span chunks', () => {
    // Chunks over 512 bytes each keep their own place in the buffer: a line cut between two of them is
    // the one the decoder cuts from both (its CR and LF may fall on either side).
    const filler = enc('ab\r\ncd\n'.repeat(90));
    const bigChunk = fc.tuple(lineBytes, lineBytes).map(([a, b]) => Uint8Array.from([...a, ...filler, ...b]));
    fc.assert(
      fc.property(fc.array(bigChunk, { minLength: 1, maxLength: 4 }), optionsArb, (chunks, options) => {
        const { text, bytesThenDecode } = bothWays(options, chunks);
        expect(text).toEqual(bytesThenDecode);
      }),
      { numRuns: 300 },
    );
  });

  it('a CRLF split between two large chunks ends the line that spans them', () => {
    const filler = 'ab\n'.repeat(200);
    const chunks = [enc(`${filler}é1\r`), enc(`\n2\n${filler}`), enc('3\n')];
    const out = run(lines({ encoding: 'utf8' }), chunks);
    expect(out.frames.filter((l) => l !== 'ab')).toEqual(['é1', '2', '3']);
  });

  it("'ok\\n\\xff\\n' gives 'ok' then DECODE whether it comes in one chunk or two", () => {
    const data = latin1('ok\n\xff\n');
    for (const chunks of [[data], [data.subarray(0, 3), data.subarray(3)], chunked(data, 'bytewise')]) {
      const out = run(lines({ encoding: 'utf8' }), chunks);
      expect(out.frames).toEqual(['ok']);
      expect(isPortaError(out.error, 'DECODE')).toBe(true);
    }
  });

  it("onTooLong: 'skip' skips an over-long invalid line and goes on with the next", () => {
    const dropped: number[] = [];
    const data = latin1('ok\n\xff\xff\xff\xff\xff\nnext\n');
    for (const chunks of [[data], chunked(data, 'bytewise')]) {
      dropped.length = 0;
      const out = run(
        lines({
          encoding: 'utf8',
          maxFrameLength: 4,
          onTooLong: 'skip',
          onDrop: (e) => dropped.push(e.length),
        }),
        chunks,
      );
      expect(out.error).toBeUndefined();
      expect(out.frames).toEqual(['ok', 'next']);
      expect(dropped).toHaveLength(1);
    }
  });

  it('decodes many lines of one chunk at once and still counts bytes, not characters, against maxFrameLength', () => {
    // Valid UTF-8 in one chunk takes the one-decode path: "€" is 3 bytes.
    const out = run(lines({ encoding: 'utf8', maxFrameLength: 3, onTooLong: 'skip' }), [enc('€\n€€\na\r\n')]);
    expect(out.frames).toEqual(['€', 'a']);
  });
});

/**
 * Feeds `chunks` through a Subject and, after each line counted in `pushAt`, pushes the next chunk from
 * inside `next` (a synchronous source re-entering the operator while it is emitting); the rest after.
 */
function reentrant(op: OperatorFunction<Uint8Array, unknown>, chunks: Uint8Array[], pushAt: Set<number>) {
  const socket = new Subject<Uint8Array>();
  const frames: unknown[] = [];
  let error: string | undefined;
  let i = 0;
  const sub = op(socket).subscribe({
    next: (f) => {
      frames.push(f);
      if (pushAt.has(frames.length) && i < chunks.length) socket.next(chunks[i++]!);
    },
    error: (e: { code?: string; message?: string }) => {
      error = `${e.code}: ${e.message}`;
    },
  });
  while (i < chunks.length && !sub.closed) socket.next(chunks[i++]!);
  socket.complete();
  return { frames, error };
}

describe('lines({ encoding }) with a source that pushes from inside next', () => {
  it('property: the same lines and error as lines() then a strict decode per line, fed the same way', () => {
    const text = fc.array(
      fc.oneof(fc.constantFrom('\n', '\r\n', 'é', '€', '😀', 'abc', 'a longer line of text'), fc.string()),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(
        text,
        fc.option(fc.constant(0xff)),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        chunkings,
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }),
        (parts, bad, maxFrameLength, keepEnds, how, at) => {
          const bytes = enc(parts.join(''));
          const data =
            bad === null
              ? bytes
              : Uint8Array.from([
                  ...bytes.subarray(0, bytes.length >> 1),
                  bad,
                  ...bytes.subarray(bytes.length >> 1),
                ]);
          const options = { maxFrameLength, keepEnds, onTooLong: 'skip', atEnd: 'emit' } as const;
          const pushAt = new Set(at);
          const textLines = reentrant(lines({ ...options, encoding: 'utf8' }), chunked(data, how), pushAt);
          const perLine = reentrant(
            (source) => source.pipe(lines(options), decodeText('utf8', { stream: false })),
            chunked(data, how),
            pushAt,
          );
          expect(textLines).toEqual(perLine);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('a push in the middle of a chunk that ends inside a line: every line once, in order', () => {
    // Chunks over 512 bytes, so the queue keeps them apart instead of copying them into one block.
    const long = 'x'.repeat(600);
    const chunks = [enc(`a\nb\nc\n${long}`), enc(`${long}\n`)];
    for (const at of [1, 2, 3]) {
      expect(reentrant(lines({ encoding: 'utf8' }), chunks, new Set([at])).frames).toEqual([
        'a',
        'b',
        'c',
        long + long,
      ]);
    }
  });

  it('lines of many-byte characters in one chunk, a push after the first: every line once, in order', () => {
    const socketLines = ['é1', '€2', '😀3', 'é4'];
    const chunks = [enc(`${socketLines.slice(0, 3).join('\n')}\n`), enc(`${socketLines[3]}\n`)];
    expect(reentrant(lines({ encoding: 'utf8' }), chunks, new Set([1])).frames).toEqual(socketLines);
  });
});

describe('lines at end of stream, as tokio-util LinesCodec', () => {
  const endOf = (text: string, options: Omit<LinesOptions, 'encoding'> = {}) =>
    run(lines({ atEnd: 'emit', ...options }), chunked(enc(text), [1])).frames.map((b) =>
      new TextDecoder().decode(b),
    );

  it('a lone trailing CR is no line', () => {
    expect(endOf('line 1\r\n\r')).toEqual(['line 1']);
    expect(endOf('\r')).toEqual([]);
    expect(endOf('\r', { keepEnds: true })).toEqual([]);
  });

  it('the CR ending an unterminated last line is stripped unless line ends are kept', () => {
    expect(endOf('a\nlast\r')).toEqual(['a', 'last']);
    expect(endOf('a\nlast\r', { keepEnds: true })).toEqual(['a\n', 'last\r']);
    expect(endOf('last\r\r')).toEqual(['last\r']);
  });

  it('tokio: "line 1\\nline 2\\r\\nline 3\\n\\r\\n\\r" gives three lines and an empty one', () => {
    // tokio-util's lines_decoder test input: a lone CR at the end gives no fifth line.
    expect(endOf('line 1\nline 2\r\nline 3\n\r\n\r')).toEqual(['line 1', 'line 2', 'line 3', '']);
  });

  it('the CR does not count against maxFrameLength, and the text path agrees', () => {
    expect(endOf('abcd\r', { maxFrameLength: 4 })).toEqual(['abcd']);
    const text = run(lines({ atEnd: 'emit', encoding: 'utf8', maxFrameLength: 4 }), [enc('ab\nabcd\r')]);
    expect(text.frames).toEqual(['ab', 'abcd']);
  });

  it("with atEnd: 'error' (the default) a trailing CR is still a cut line: TRUNCATED", () => {
    const out = run(lines(), [enc('a\n\r')]);
    expect(isPortaError(out.error, 'TRUNCATED')).toBe(true);
  });

  it('the decoder alone, as decodeWith drives it, takes the lone CR away', () => {
    const q = new ChunkQueue();
    q.push(enc('\r'));
    const d = new LinesDecoder({ atEnd: 'emit' });
    expect(d.decodeEnd(q)).toBeUndefined();
    expect(q.length).toBe(0);
  });
});
