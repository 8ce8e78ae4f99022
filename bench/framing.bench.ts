// Framing decode rate: porta's decoders against a hand-written loop, it-length-prefixed, split2 and
// node:readline on the same bytes, plus large frames to show the cost per byte does not grow with
// frame size or chunk count.
//   npm run bench -- framing
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { decodeText, encodeLengthPrefixed, lengthField, lines } from '@porta/core';
import * as lp from 'it-length-prefixed';
import { from, Observable } from 'rxjs';
import split2 from 'split2';
import { machine, table, writeSection } from './report.js';

const FRAMES = 1_000_000;
const PAYLOAD = 32;
const CHUNK = 64 * 1024;
const REPEATS = 5;

/** Splits a buffer into `size`-byte chunks (copies, as a socket would deliver them). */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface Candidate {
  readonly name: string;
  readonly note: string;
  readonly run: () => number | Promise<number>;
}

/**
 * Best wall time (ms) of each candidate over REPEATS rounds. Rounds interleave the candidates, so a
 * burst of load from other jobs on the machine hits them alike rather than one of them.
 */
async function measureAll(
  expected: number,
  candidates: readonly Candidate[],
): Promise<{ name: string; note: string; ms: number }[]> {
  const best = candidates.map(() => Number.POSITIVE_INFINITY);
  // One full collection before the group, not before every run: a forced GC shrinks the young
  // generation and makes the next allocation-heavy run pay for growing it again.
  gc();
  for (let round = 0; round < REPEATS; round++) {
    for (const [i, c] of candidates.entries()) {
      const start = process.hrtime.bigint();
      const count = await c.run();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (count !== expected) throw new Error(`${c.name}: decoded ${count} frames, expected ${expected}`);
      best[i] = Math.min(best[i]!, ms);
    }
  }
  return candidates.map((c, i) => ({ name: c.name, note: c.note, ms: best[i]! }));
}

function countSync<T>(source: Observable<T>): number {
  let n = 0;
  source.subscribe({
    next: () => {
      n++;
    },
    error: (e: unknown) => {
      throw e;
    },
  });
  return n;
}

// ---------------------------------------------------------------- the hand-written baselines

/** What one writes by hand for 4-byte big-endian length-prefixed frames: a leftover buffer and a loop. */
function handLengthPrefixed(chunks: readonly Uint8Array[], onFrame: (f: Uint8Array) => void): void {
  let rest: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    let buf = rest.length === 0 ? chunk : concat([rest, chunk]);
    let at = 0;
    while (buf.length - at >= 4) {
      const len = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
      if (buf.length - at - 4 < len) break;
      onFrame(buf.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
    rest = buf.subarray(at);
    buf = rest;
  }
}

/** The hand-written line splitter: indexOf('\n') per line, leftover carried between chunks. */
function handLines(chunks: readonly Uint8Array[], onLine: (l: Uint8Array) => void): void {
  let rest: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    const buf = rest.length === 0 ? chunk : concat([rest, chunk]);
    let at = 0;
    for (;;) {
      const lf = buf.indexOf(0x0a, at);
      if (lf < 0) break;
      onLine(buf.subarray(at, lf));
      at = lf + 1;
    }
    rest = buf.subarray(at);
  }
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** The length-prefixed workload: the same payloads as 4-byte BE frames and as it-length-prefixed varint frames. */
function lengthWorkload(): { chunks: Uint8Array[]; varintChunks: Uint8Array[] } {
  const payloads = Array.from({ length: FRAMES }, (_, i) => new Uint8Array(PAYLOAD).fill(i & 255));
  const chunks = chunksOf(concat(payloads.map((p) => encodeLengthPrefixed(p))), CHUNK);
  // it-length-prefixed's own wire format: a varint prefix (1 byte for 32), written by its encoder.
  const varintChunks = chunksOf(concat(Array.from(lp.encode(payloads), (c) => c.subarray())), CHUNK);
  return { chunks, varintChunks };
}

function lineWorkload(): Uint8Array[] {
  let text = '';
  for (let i = 0; i < FRAMES; i++) text += `line ${String(i).padStart(7, '0')} of the benchmark\n`;
  return chunksOf(new TextEncoder().encode(text), CHUNK);
}

/** Reads a 4-byte big-endian length for it-length-prefixed's `lengthDecoder` option. */
const be32 = Object.assign(
  (buf: { getUint32(offset: number): number; byteLength: number }) => {
    if (buf.byteLength < 4) throw new RangeError('need 4 bytes');
    return buf.getUint32(0);
  },
  { bytes: 4 },
);

let sink = 0;

export async function main(): Promise<void> {
  // ---------------------------------------------------------------- length-prefixed frames
  const { chunks, varintChunks } = lengthWorkload();
  const lengthRows = await measureAll(FRAMES, [
    {
      name: 'hand-written loop',
      note: 'leftover + concat, 4-byte BE',
      run: () => {
        let n = 0;
        handLengthPrefixed(chunks, (f) => {
          n++;
          sink += f.length;
        });
        return n;
      },
    },
    {
      name: 'porta lengthField()',
      note: 'Observable pipeline, 4-byte BE',
      run: () => countSync(from(chunks).pipe(lengthField())),
    },
    {
      name: 'it-length-prefixed decode',
      note: 'its varint prefix, its own encoder (33 B/frame)',
      run: () => {
        let n = 0;
        for (const f of lp.decode(varintChunks)) {
          n++;
          sink += f.byteLength;
        }
        return n;
      },
    },
    {
      name: 'it-length-prefixed decode (async)',
      note: 'its varint prefix, async iterable source as with it-pipe / libp2p',
      run: async () => {
        let n = 0;
        const source = (async function* () {
          yield* varintChunks;
        })();
        for await (const f of lp.decode(source)) {
          n++;
          sink += f.byteLength;
        }
        return n;
      },
    },
    {
      name: 'it-length-prefixed decode',
      note: 'custom 4-byte BE lengthDecoder, same bytes as porta',
      run: () => {
        let n = 0;
        for (const f of lp.decode(chunks, { lengthDecoder: be32 as never })) {
          n++;
          sink += f.byteLength;
        }
        return n;
      },
    },
  ]);

  // ---------------------------------------------------------------- lines
  const lineChunks = lineWorkload();
  const lineRows = await measureAll(FRAMES, [
    {
      name: 'hand-written loop',
      note: 'indexOf(LF), bytes',
      run: () => {
        let n = 0;
        handLines(lineChunks, (l) => {
          n++;
          sink += l.length;
        });
        return n;
      },
    },
    {
      name: 'porta lines()',
      note: 'bytes (LF or CRLF)',
      run: () => countSync(from(lineChunks).pipe(lines())),
    },
    {
      name: "porta lines() + decodeText('utf8')",
      note: 'strings, strict UTF-8',
      run: () => countSync(from(lineChunks).pipe(lines(), decodeText('utf8', { stream: false }))),
    },
    {
      name: "porta lines({ encoding: 'utf8' })",
      note: 'strings, strict UTF-8, one decode per chunk',
      run: () => countSync(from(lineChunks).pipe(lines({ encoding: 'utf8' }))),
    },
    {
      name: 'split2()',
      note: 'strings, Transform stream',
      run: async () => {
        let n = 0;
        const stream = Readable.from(lineChunks, { objectMode: false }).pipe(split2());
        stream.on('data', () => {
          n++;
        });
        await once(stream, 'end');
        return n;
      },
    },
    {
      name: 'node:readline',
      note: "strings, 'line' events",
      run: async () => {
        let n = 0;
        const input = Readable.from(lineChunks, { objectMode: false });
        const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
        rl.on('line', () => {
          n++;
        });
        await once(rl, 'close');
        return n;
      },
    },
  ]);

  // ---------------------------------------------------------------- large frames
  const big = async (size: number, chunk: number) => {
    const maxFrameLength = 128 * 1024 * 1024;
    const frame = encodeLengthPrefixed(new Uint8Array(size).fill(7), { maxFrameLength });
    const source = new Observable<Uint8Array>((s) => {
      for (let at = 0; at < frame.length && !s.closed; at += chunk) s.next(frame.subarray(at, at + chunk));
      s.complete();
    });
    const op = lengthField({ maxFrameLength });
    const [porta, floor] = await measureAll(1, [
      { name: 'porta', note: '', run: () => countSync(source.pipe(op)) },
      {
        // The floor: the same emissions copied into an array allocated up front from the known size
        // (which a decoder must not do from a peer's declared length, but no decoder can beat).
        name: 'floor',
        note: '',
        run: () => {
          const out = new Uint8Array(frame.length);
          let at = 0;
          source.subscribe((c) => {
            out.set(c, at);
            at += c.length;
          });
          sink += out[at - 1]!;
          return 1;
        },
      },
    ]);
    const perByte = (ms: number) => (ms * 1e6) / frame.length;
    return {
      size,
      chunk,
      chunks: Math.ceil(frame.length / chunk),
      ms: porta!.ms,
      nsPerByte: perByte(porta!.ms),
      floorNsPerByte: perByte(floor!.ms),
    };
  };
  const bigRows = [
    await big(64 * 1024, 1),
    await big(1024 * 1024, 1),
    await big(1024 * 1024, CHUNK),
    await big(64 * 1024 * 1024, CHUNK),
  ];

  // ---------------------------------------------------------------- report
  const fps = (ms: number) => (FRAMES / ms) * 1000;
  const hand = lengthRows[0]!.ms;
  const lpVarint = lengthRows[2]!.ms;
  const lenTable = table(
    ['decoder', 'wire', 'frames/s', 'vs hand-written', 'vs it-length-prefixed (varint)'],
    lengthRows.map((r) => [r.name, r.note, fmt(fps(r.ms)), ratio(hand, r.ms), ratio(lpVarint, r.ms)]),
  );
  const handL = lineRows[0]!.ms;
  const split = lineRows.find((r) => r.name === 'split2()')!.ms;
  const lineTable = table(
    ['decoder', 'output', 'lines/s', 'vs hand-written', 'vs split2'],
    lineRows.map((r) => [r.name, r.note, fmt(fps(r.ms)), ratio(handL, r.ms), ratio(split, r.ms)]),
  );
  const bigTable = table(
    ['frame', 'chunk size', 'chunks', 'porta time', 'porta ns/byte', 'floor ns/byte', 'porta / floor'],
    bigRows.map((r) => [
      r.size >= 1024 * 1024 ? `${r.size / (1024 * 1024)} MiB` : `${r.size / 1024} KiB`,
      r.chunk === 1 ? '1 B' : '64 KiB',
      r.chunks.toLocaleString('en'),
      `${r.ms.toFixed(1)} ms`,
      r.nsPerByte.toFixed(2),
      r.floorNsPerByte.toFixed(2),
      ratio(r.nsPerByte, r.floorNsPerByte),
    ]),
  );
  const row = (rows: { name: string; ms: number }[], name: string) => rows.find((r) => r.name === name)!.ms;
  const portaLen = row(lengthRows, 'porta lengthField()');
  const lpAsync = row(lengthRows, 'it-length-prefixed decode (async)');
  const lpSame = lengthRows[4]!.ms;
  const portaLines = row(lineRows, 'porta lines()');
  const portaText = row(lineRows, "porta lines({ encoding: 'utf8' })");
  const portaPerLine = row(lineRows, "porta lines() + decodeText('utf8')");
  const readline = row(lineRows, 'node:readline');
  const summary = [
    `- length frames: porta \`lengthField()\` is **${ratio(lpVarint, portaLen)}** it-length-prefixed's synchronous ` +
      `path (target ≥ 10×), **${ratio(lpAsync, portaLen)}** its async path and **${ratio(lpSame, portaLen)}** it on the ` +
      `same 4-byte bytes; it runs at **${ratio(hand, portaLen)}** the hand-written loop's rate (target ≥ 0.5×).`,
    `- lines: porta \`lines({ encoding: 'utf8' })\` (strings, like split2 and readline) is ` +
      `**${ratio(split, portaText)}** split2 (target ≥ 2×) and **${ratio(readline, portaText)}** node:readline; ` +
      `\`lines()\` (bytes) runs at **${ratio(handL, portaLines)}** the hand-written byte loop's rate (target ≥ 0.5×) ` +
      `and ${ratio(split, portaLines)} split2; \`lines()\` + \`decodeText\` per line is ${ratio(split, portaPerLine)} split2.`,
    `- targets: length frames ≥ 10× it-length-prefixed — ${lpVarint / portaLen >= 10 ? 'met' : '**missed**'} ` +
      `(the hand-written loop itself is ${ratio(lpVarint, hand)} it: one \`Uint8Array\` per frame and one RxJS ` +
      `emission are the floor, and it-length-prefixed's synchronous path is not slow); lines ≥ 2× split2 — ` +
      `${split / portaText >= 2 ? 'met' : '**missed**'} by \`lines({ encoding })\`, which yields strings as split2 does ` +
      `(byte lines cannot be: a \`Uint8Array\` view costs several times a V8 string slice); within 2× of the ` +
      `hand-written loop — ${hand / portaLen >= 0.5 && handL / portaLines >= 0.5 ? 'met' : '**missed**'} for both.`,
  ].join('\n');

  const markdown = `## Framing decode rate

${machine()}. Best of ${REPEATS} runs per row, all in one process.

### ${FRAMES.toLocaleString('en')} length-prefixed frames of ${PAYLOAD} bytes, 64 KiB chunks

it-length-prefixed frames with an unsigned varint by default, so its two varint rows decode the same payloads
encoded by its own encoder (1-byte varint prefix): first through its synchronous-iterable path (its fastest),
then from an async iterable as it-pipe and libp2p feed it. Its last row uses its \`lengthDecoder\` option to
read the same 4-byte big-endian bytes porta reads (synchronous path).

${lenTable}

### ${FRAMES.toLocaleString('en')} lines (~30 bytes each), 64 KiB chunks

${lineTable}

### One large frame (4-byte length field)

Per byte, porta's cost stays flat as the frame grows 16× one byte per chunk (64 KiB → 1 MiB) and 64× in
64 KiB chunks (1 MiB → 64 MiB), and it tracks the **floor**: the same chunks emitted by the same source and
copied into an array allocated up front. The chunk queue never re-copies buffered bytes, a frame spanning
chunks is copied once, the header is parsed once per frame, and chunks of up to 512 bytes are coalesced
into blocks of up to 16 KiB, so one-byte chunks cost a copy per byte, not an object per byte. What grows from
1 MiB to 64 MiB in both columns is the fresh 64 MiB allocation (page faults), not the decoder.

${bigTable}

### Summary

${summary}
`;
  console.log(markdown);
  if (sink < 0) console.log(sink);
  writeSection('framing', markdown);
}
