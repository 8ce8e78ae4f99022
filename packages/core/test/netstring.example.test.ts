// docs/testing.md shows this file as its worked example (a check below keeps the two the same):
// a user's own codec, netstrings, and the ten lines that test it with @porta/core/testing.
import { readFileSync } from 'node:fs';
import { type ChunkQueue, CorruptFrameError, type Decoder, EncodeError, type Encoder } from '@porta/core';
import { checkCodec } from '@porta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// <example>
/** Netstrings (cr.yp.to/proto/netstrings.txt): `5:hello,` — decimal length, colon, bytes, comma. */
class NetstringDecoder implements Decoder<Uint8Array> {
  readonly maxBuffered: number;
  readonly #digits: number;

  constructor(readonly maxLength: number) {
    this.#digits = String(maxLength).length;
    this.maxBuffered = this.#digits + 1 + maxLength; // a header and all but the comma
  }

  decode(buf: ChunkQueue): Uint8Array | undefined {
    let length = 0;
    let colon = 0;
    for (; colon < buf.length && buf.byteAt(colon) !== 0x3a; colon++) {
      const digit = buf.byteAt(colon) - 0x30;
      if (digit < 0 || digit > 9 || colon >= this.#digits || (colon === 1 && length === 0)) {
        throw new CorruptFrameError('bad netstring length', buf.peekCopy(0, colon + 1));
      }
      length = length * 10 + digit;
    }
    if (colon === buf.length) return undefined; // the colon has not arrived yet
    if (colon === 0 || length > this.maxLength) {
      throw new CorruptFrameError(`bad netstring length (max ${this.maxLength})`, buf.peekCopy(0, colon + 1));
    }
    if (buf.length < colon + 1 + length + 1) return undefined;
    if (buf.byteAt(colon + 1 + length) !== 0x2c) throw new CorruptFrameError('netstring without its comma');
    return buf.takeFrame(colon + 1, length, 1);
  }
}

class NetstringEncoder implements Encoder<Uint8Array> {
  constructor(readonly maxLength: number) {}

  encode(message: Uint8Array): Uint8Array {
    if (message.length > this.maxLength) throw new EncodeError(`${message.length} bytes > ${this.maxLength}`);
    const head = new TextEncoder().encode(`${message.length}:`);
    const out = new Uint8Array(head.length + message.length + 1);
    out.set(head);
    out.set(message, head.length);
    out[out.length - 1] = 0x2c;
    return out;
  }
}

describe('netstrings', () => {
  it('keep the codec contract for any messages, any chunking and hostile bytes', () =>
    checkCodec({
      decoder: () => new NetstringDecoder(100),
      encode: new NetstringEncoder(100),
      messages: fc.uint8Array({ maxLength: 100 }),
    }));
});
// </example>

describe('docs/testing.md', () => {
  it('shows the netstring example exactly as this file runs it', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const example = source.slice(source.indexOf('// <example>\n') + 13, source.indexOf('// </example>'));
    const docs = readFileSync(new URL('../../../docs/testing.md', import.meta.url), 'utf8');
    expect(docs).toContain(example.trim());
  });
});
