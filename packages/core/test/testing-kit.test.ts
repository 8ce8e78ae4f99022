// The kit must catch broken codecs: each planted bug below is one a real codec could ship with, and
// checkCodec has to fail on it with fast-check's shrunk counterexample and seed.
import { createServer } from 'node:net';
import {
  type ChunkQueue,
  type Decoder,
  FrameTooLongError,
  LengthFieldDecoder,
  LengthFieldEncoder,
  TruncatedError,
} from '@porta/core';
import { checkCodec, DecoderStallError, runDecoder, trackHandles } from '@porta/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** A 2-byte length prefix, big-endian on the wire unless a planted bug says otherwise. */
class Prefixed implements Decoder<Uint8Array> {
  readonly maxBuffered = 0xffff + 1;
  constructor(
    private readonly bug: 'none' | 'stall-on-empty' | 'little-endian' | 'drops-cut-frame' | 'type-error',
  ) {}

  decode(buf: ChunkQueue): Uint8Array | undefined {
    if (buf.length < 2) return undefined;
    const length = buf.readUint(0, 2, this.bug === 'little-endian');
    if (this.bug === 'stall-on-empty' && length === 0) return new Uint8Array(0); // forgets the header
    if (this.bug === 'type-error' && length > 200) throw new TypeError('cannot read properties of undefined');
    if (buf.length < 2 + length) return undefined;
    return buf.takeFrame(2, length);
  }

  decodeEnd(buf: ChunkQueue): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame === undefined && buf.length > 0 && this.bug !== 'drops-cut-frame') {
      throw new TruncatedError(undefined, buf.length);
    }
    if (this.bug === 'drops-cut-frame') buf.skip(buf.length); // "lenient": drops a cut frame in silence
    return frame;
  }
}

const encode = new LengthFieldEncoder({ lengthFieldLength: 2 });
const messages = fc.uint8Array({ maxLength: 300 });

/** Runs checkCodec on a planted bug and returns fast-check's report. */
async function reportFor(bug: ConstructorParameters<typeof Prefixed>[0]): Promise<string> {
  const failure = await checkCodec({ decoder: () => new Prefixed(bug), encode, messages }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure, `checkCodec passed a codec with the bug '${bug}'`).toBeInstanceOf(Error);
  const report = (failure as Error).message;
  expect(report).toMatch(/Counterexample: /);
  expect(report).toMatch(/seed: -?\d+/);
  expect(report).toMatch(/Shrunk \d+ time/);
  return report;
}

describe('checkCodec', () => {
  it('passes a correct codec, and resolves (a Promise a test can await)', async () => {
    await expect(
      checkCodec({ decoder: () => new Prefixed('none'), encode, messages }),
    ).resolves.toBeUndefined();
  });

  it('fails a codec that stalls on zero-length frames, shrunk to an empty message', async () => {
    const report = await reportFor('stall-on-empty');
    expect(report).toMatch(/without consuming a byte/);
    expect(report).toMatch(/Uint8Array\.from\(\[\]\)|new Uint8Array\(\)|\[\]/);
  });

  it('fails a codec that reads its length in the wrong byte order', async () => {
    const report = await reportFor('little-endian');
    // Shrunk to one message: with one byte, [0, 1] read little-endian waits for 256 bytes forever.
    expect(report).toMatch(/decoding what was encoded failed|messages encoded/);
  });

  it('fails a codec that drops a frame cut by the end of the stream instead of TRUNCATED', async () => {
    expect(await reportFor('drops-cut-frame')).toMatch(/not TRUNCATED/);
  });

  it('fails a codec that throws something other than a PortaError on bad bytes', async () => {
    expect(await reportFor('type-error')).toMatch(/TypeError.*not a typed PortaError/);
  });

  it('fails a decoder that buffers more than its declared maxBuffered', async () => {
    const failure = await checkCodec({
      decoder: () => Object.assign(new LengthFieldDecoder({ lengthFieldLength: 2 }), { maxBuffered: 3 }),
      encode,
      messages,
    }).catch((err: unknown) => err);
    expect((failure as Error).message).toMatch(/above its maxBuffered 3/);
  });

  it('fails when encode refuses a message the arbitrary produced, saying to narrow it', async () => {
    const failure = await checkCodec({
      decoder: () => new LengthFieldDecoder({ lengthFieldLength: 1 }),
      encode: new LengthFieldEncoder({ lengthFieldLength: 1 }),
      messages: fc.uint8Array({ minLength: 256, maxLength: 300 }),
      numRuns: 5,
    }).catch((err: unknown) => err);
    expect((failure as Error).message).toMatch(/encode refused message 0 .*narrow `messages`/s);
  });

  it('replays a failure from its seed', async () => {
    const first = await reportFor('little-endian');
    const seed = Number(/seed: (-?\d+)/.exec(first)![1]);
    const again = await checkCodec({
      decoder: () => new Prefixed('little-endian'),
      encode,
      messages,
      seed,
    }).catch((err: unknown) => (err as Error).message);
    expect(again).toContain(`seed: ${seed}`);
    expect(
      String(again)
        .split('\n')
        .find((l) => l.startsWith('Counterexample')),
    ).toBe(first.split('\n').find((l) => l.startsWith('Counterexample')));
  });
});

describe('runDecoder', () => {
  it('stops a frame that consumes no byte with DecoderStallError instead of looping', () => {
    const run = runDecoder(new Prefixed('stall-on-empty'), [Uint8Array.of(0, 0)]);
    expect(run.error).toBeInstanceOf(DecoderStallError);
    expect(run.frames).toHaveLength(1);
  });

  it('stops a decoder that reports too-long frames forever without discarding them (skip mode)', () => {
    const refuser: Decoder<never> = {
      decode() {
        throw new FrameTooLongError(9, 4);
      },
    };
    const run = runDecoder(refuser, [Uint8Array.of(1)], { skipTooLong: true });
    expect(run.error).toBeInstanceOf(DecoderStallError);
    expect(runDecoder(refuser, [Uint8Array.of(1)]).error).toBeInstanceOf(FrameTooLongError);
  });
});

describe('trackHandles', () => {
  it('fails a test that leaves a server listening, naming the handle, and passes once it is closed', async () => {
    let before: (() => void) | undefined;
    let after: (() => Promise<void>) | undefined;
    trackHandles({
      settleMs: 50,
      hooks: { beforeEach: (fn) => (before = fn), afterEach: (fn) => (after = fn) },
    });
    before!();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await expect(after!()).rejects.toThrow(/handles left open by the test: 1 × TCPServerWrap/);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(after!()).resolves.toBeUndefined();
  });

  it('refuses to check nothing when there are no hooks', () => {
    const g = globalThis as { beforeEach?: unknown };
    const saved = g.beforeEach;
    g.beforeEach = undefined;
    try {
      expect(() => trackHandles()).toThrow(/no global beforeEach\/afterEach/);
    } finally {
      g.beforeEach = saved;
    }
  });
});
