import { DecodeError, decodeText, encodeString, encodeText, isPortaError } from '@porta/core';
import fc from 'fast-check';
import { from, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';

function run<I, T>(op: OperatorFunction<I, T>, inputs: readonly I[]): { out: T[]; error?: unknown } {
  const out: T[] = [];
  let error: unknown;
  from(inputs)
    .pipe(op)
    .subscribe({
      next: (v) => out.push(v),
      error: (e: unknown) => {
        error = e;
      },
    });
  return error === undefined ? { out } : { out, error };
}

/** Cuts `bytes` at the given positions (any chunking, empty chunks included). */
function cut(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const points = [...positions.map((p) => p % (bytes.length + 1))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.slice(at, p));
    at = p;
  }
  out.push(bytes.slice(at));
  return out;
}

const bytewise = (bytes: Uint8Array) => Array.from(bytes, (b) => Uint8Array.of(b));
const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeText / encodeText: utf8', () => {
  it('property: any string, any chunking (one byte per chunk included), decodes to the same string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.array(fc.nat()),
        fc.boolean(),
        (text, points, bw) => {
          const bytes = encodeString(text, 'utf8');
          const chunks = bw ? bytewise(bytes) : cut(bytes, points);
          const r = run(decodeText('utf8'), chunks);
          expect(r.error).toBeUndefined();
          expect(r.out.join('')).toBe(text);
        },
      ),
    );
  });

  it('property: random bytes decode exactly when TextDecoder (fatal) accepts them, else DECODE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat()), (bytes, points) => {
        let expected: string | undefined;
        try {
          expected = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
        } catch {
          expected = undefined;
        }
        const r = run(decodeText('utf8'), cut(bytes, points));
        if (expected === undefined) {
          expect(isPortaError(r.error, 'DECODE')).toBe(true);
        } else {
          expect(r.error).toBeUndefined();
          expect(r.out.join('')).toBe(expected);
        }
      }),
    );
  });

  it('reassembles a character split across chunks', () => {
    const euro = enc('€'); // e2 82 ac
    const r = run(decodeText('utf8'), [Uint8Array.of(0x61, euro[0]!), euro.subarray(1, 2), euro.subarray(2)]);
    expect(r.out.join('')).toBe('a€');
  });

  it('invalid UTF-8 fails with DECODE naming the offset', () => {
    const r = run(decodeText('utf8'), [enc('ab'), Uint8Array.of(0x63, 0xff, 0x64)]);
    expect(r.error).toBeInstanceOf(DecodeError);
    expect((r.error as DecodeError).offset).toBe(3);
    expect((r.error as Error).message).toContain('offset 3');
  });

  it('a stream that ends inside a character is a DECODE error', () => {
    const r = run(decodeText('utf8'), [Uint8Array.of(0x61, 0xe2, 0x82)]);
    expect(r.out.join('')).toBe('a');
    expect(isPortaError(r.error, 'DECODE')).toBe(true);
    expect((r.error as DecodeError).offset).toBe(1);
  });

  it('message mode: each chunk must be whole text, offsets count from the message start', () => {
    const r = run(decodeText('utf8', { stream: false }), [enc('ok'), Uint8Array.of(0x61, 0xe2)]);
    expect(r.out).toEqual(['ok']);
    expect((r.error as DecodeError).offset).toBe(1);
  });

  it('keeps a byte-order mark', () => {
    expect(run(decodeText('utf8'), [Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)]).out.join('')).toBe('\ufeffa');
  });

  it('encodeText refuses a lone surrogate', () => {
    expect(isPortaError(run(encodeText('utf8'), ['a\ud800']).error, 'ENCODE')).toBe(true);
    expect(run(encodeText('utf8'), ['😀']).out[0]).toEqual(enc('😀'));
  });
});

describe('decodeText / encodeText: ascii', () => {
  it('property: any ASCII string, any chunking, round-trips', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)) }),
        fc.array(fc.nat()),
        (text, points) => {
          const bytes = encodeString(text, 'ascii');
          expect(bytes.length).toBe(text.length);
          const r = run(decodeText('ascii'), cut(bytes, points));
          expect(r.out.join('')).toBe(text);
        },
      ),
    );
  });

  it('property: a byte ≥ 0x80 anywhere is DECODE naming its stream offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.nat()), (bytes, points) => {
        const bad = bytes.findIndex((b) => b >= 0x80);
        const r = run(decodeText('ascii'), cut(bytes, points));
        if (bad < 0) {
          expect(r.error).toBeUndefined();
        } else {
          expect(r.error).toBeInstanceOf(DecodeError);
          expect((r.error as DecodeError).offset).toBe(bad);
        }
      }),
    );
  });

  it("non-ASCII bytes are DECODE naming the byte and offset, like Python's decode('ascii')", () => {
    const r = run(decodeText('ascii'), [enc('Fech'), enc('ado, clienté')]);
    expect(r.error).toBeInstanceOf(DecodeError);
    const e = r.error as DecodeError;
    expect(e.code).toBe('DECODE');
    expect(e.offset).toBe(15);
    expect(e.message).toBe('byte 0xc3 at offset 15 of the stream is not ASCII');
  });

  it('message mode offsets count from the start of each message', () => {
    const r = run(decodeText('ascii', { stream: false }), [enc('abc'), Uint8Array.of(0x61, 0x80)]);
    expect(r.out).toEqual(['abc']);
    expect((r.error as DecodeError).offset).toBe(1);
  });

  it('encodeText refuses non-ASCII characters, naming the index', () => {
    const r = run(encodeText('ascii'), ['Olá']);
    expect(isPortaError(r.error, 'ENCODE')).toBe(true);
    expect((r.error as Error).message).toContain('U+00e1 at index 2');
    expect(run(encodeText('ascii'), ['Enviei, servidor']).out[0]!.length).toBe(16);
  });
});
