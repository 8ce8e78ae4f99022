// porta's own codecs through @porta/core/testing's checkCodec: both halves of each built-in codec
// keep the contract (round trip in any chunking, hostile bytes, the bound, TRUNCATED at a cut).
import {
  DelimitedDecoder,
  DelimitedEncoder,
  EncodeError,
  encodeLengthPrefixed,
  FixedLengthDecoder,
  FixedLengthEncoder,
  isPortaError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  type LengthFieldFormat,
  type LengthFieldLength,
  LinesDecoder,
  LinesEncoder,
  lengthField,
  TextLinesDecoder,
} from '@porta/core';
import { checkCodec, chunked, chunkings, concatBytes } from '@porta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from './framing-support.js';

const enc = (s: string) => new TextEncoder().encode(s);
const noLf = (b: Uint8Array) => !b.includes(0x0a) && b[b.length - 1] !== 0x0d;

describe('checkCodec on the built-in codecs', () => {
  it('length field, default format', () =>
    checkCodec({
      decoder: () => new LengthFieldDecoder(),
      encode: new LengthFieldEncoder(),
      messages: fc.uint8Array({ maxLength: 300 }),
    }));

  const formats: (LengthFieldFormat & { readonly minBody?: number })[] = [
    { lengthFieldLength: 1, maxFrameLength: 200 },
    { lengthFieldLength: 2, byteOrder: 'little', lengthAdjustment: -2 },
    { lengthFieldLength: 3, lengthIncludesLengthFieldLength: true },
    { lengthFieldLength: 8, byteOrder: 'little' },
    { lengthFieldLength: 4, lengthAdjustment: 3, minBody: 3 },
  ];
  for (const { minBody, ...format } of formats) {
    it(`length field, ${JSON.stringify(format)}`, () =>
      checkCodec({
        decoder: () => new LengthFieldDecoder(format),
        encode: new LengthFieldEncoder(format),
        messages: fc.uint8Array({ minLength: minBody ?? 0, maxLength: 150 }),
        numRuns: 40,
      }));
  }

  it('fixed length', () =>
    checkCodec({
      decoder: () => new FixedLengthDecoder(8),
      encode: new FixedLengthEncoder(8),
      messages: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    }));

  for (const ending of ['\n', '\r\n'] as const) {
    it(`lines as bytes, ${JSON.stringify(ending)} endings`, () =>
      checkCodec({
        decoder: () => new LinesDecoder({ maxFrameLength: 64 }),
        encode: new LinesEncoder({ ending }),
        messages: fc.uint8Array({ maxLength: 64 }).filter(noLf),
      }));
  }

  it('lines as UTF-8 strings (bytes counted against maxFrameLength)', () =>
    checkCodec({
      decoder: () => new TextLinesDecoder({ encoding: 'utf8', maxFrameLength: 120 }),
      encode: new LinesEncoder({ encoding: 'utf8', ending: '\r\n' }),
      messages: fc
        .string({ unit: 'grapheme', maxLength: 30 })
        .filter((s) => !s.includes('\n') && !s.endsWith('\r') && enc(s).length <= 120),
    }));

  it('lines as ASCII strings', () =>
    checkCodec({
      decoder: () => new TextLinesDecoder({ encoding: 'ascii', maxFrameLength: 64 }),
      encode: new LinesEncoder({ encoding: 'ascii' }),
      messages: fc
        .string({ unit: 'binary-ascii', maxLength: 64 })
        .filter((s) => !s.includes('\n') && !s.endsWith('\r')),
    }));

  it('delimited, two delimiters (the encoder writes the longest)', () => {
    const options = { delimiters: ['\0', '\r\n'], maxFrameLength: 64 } as const;
    return checkCodec({
      decoder: () => new DelimitedDecoder(options),
      encode: new DelimitedEncoder(options),
      messages: fc
        .uint8Array({ maxLength: 64 })
        .filter((b) => !b.includes(0) && !Buffer.from(b).includes('\r\n')),
    });
  });
});

describe('one LengthFieldFormat for both halves', () => {
  it("the issue's frame: a 2-byte length counting itself decodes with the options that encoded it", () => {
    const format = { lengthFieldLength: 2, lengthAdjustment: -2 } as const;
    const frame = encodeLengthPrefixed(enc('abc'), format);
    expect(frame).toEqual(Uint8Array.of(0, 5, 0x61, 0x62, 0x63));
    expect(run(lengthField(format), [frame]).frames).toEqual([enc('abc')]);
  });

  it('property: for any format and messages, the encoder refuses exactly what the format cannot carry, and decode(encode(m)) = m', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<LengthFieldLength>(1, 2, 3, 4, 8),
        fc.constantFrom<'big' | 'little'>('big', 'little'),
        fc.integer({ min: -12, max: 12 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        chunkings,
        (size, byteOrder, lengthAdjustment, lengthIncludesLengthFieldLength, extra, messages, how) => {
          const format: LengthFieldFormat = {
            lengthFieldLength: size,
            byteOrder,
            lengthAdjustment,
            lengthIncludesLengthFieldLength,
            maxFrameLength: size + extra,
          };
          const encoder = new LengthFieldEncoder(format);
          const adjustment = lengthAdjustment - (lengthIncludesLengthFieldLength ? size : 0);
          const fieldMax = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
          const carried: Uint8Array[] = [];
          const wire: Uint8Array[] = [];
          for (const m of messages) {
            const value = m.length - adjustment;
            const fits = size + m.length <= size + extra && value >= 0 && value <= fieldMax;
            let frame: Uint8Array | undefined;
            try {
              frame = encoder.encode(m);
            } catch (err) {
              expect(err).toBeInstanceOf(EncodeError);
            }
            expect(frame !== undefined, `encoder ${fits ? 'refused' : 'accepted'} ${m.length} bytes`).toBe(
              fits,
            );
            if (frame !== undefined) {
              carried.push(m);
              wire.push(frame);
            }
          }
          const out = run(lengthField(format), chunked(concatBytes(wire), how));
          expect(out.error).toBeUndefined();
          expect(out.frames).toEqual(carried);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('maxFrameLength is enforced on encode, header included, as the decoder counts it', () => {
    const format = { lengthFieldLength: 2, maxFrameLength: 10 } as const;
    expect(encodeLengthPrefixed(new Uint8Array(8), format)).toHaveLength(10);
    expect(() => encodeLengthPrefixed(new Uint8Array(9), format)).toThrow(
      /11 bytes .* exceeds maxFrameLength 10/,
    );
    const refused = run(lengthField(format), [Uint8Array.of(0, 9, ...new Uint8Array(9))]);
    expect(isPortaError(refused.error, 'FRAME_TOO_LONG')).toBe(true);
  });

  it('refuses, when it is made, a format whose header it cannot write', () => {
    expect(() => new LengthFieldEncoder({ lengthFieldOffset: 2 })).toThrow(/lengthFieldOffset 2/);
    expect(() => new LengthFieldEncoder({ initialBytesToStrip: 0 })).toThrow(/initialBytesToStrip must be/);
  });
});

describe('the encoders refuse what their wire format cannot carry', () => {
  it('lines: a newline, a trailing CR, a character the encoding lacks', () => {
    expect(() => new LinesEncoder().encode('a\nb')).toThrow(/contains a newline/);
    expect(() => new LinesEncoder().encode('a\r')).toThrow(/carriage return/);
    expect(() => new LinesEncoder({ encoding: 'ascii' }).encode('não')).toThrow(/not ASCII/);
    expect(() => new LinesEncoder().encode('\ud800')).toThrow(/lone surrogate/);
    expect(new LinesEncoder({ ending: '\r\n' }).encode('a\rb')).toEqual(enc('a\rb\r\n'));
  });

  it('delimited: a delimiter inside the frame, or one that would run into the appended one', () => {
    const e = new DelimitedEncoder({ delimiters: ['\0', '\r\n'] });
    expect(e.encode(enc('ab'))).toEqual(enc('ab\r\n'));
    expect(() => e.encode(enc('a\0b'))).toThrow(/delimiter at offset 1/);
    expect(() => new DelimitedEncoder({ delimiters: 'aa' }).encode(enc('xa'))).toThrow(
      /delimiter at offset 1/,
    );
  });

  it('fixed length: any other size', () => {
    expect(() => new FixedLengthEncoder(4).encode(new Uint8Array(3))).toThrow(
      /3 bytes is not a 4-byte frame/,
    );
  });
});
