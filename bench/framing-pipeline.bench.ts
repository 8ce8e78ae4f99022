// Framing against hand-written loops in two forms (issue 14): the `from(chunks)` form of
// bench/framing.bench.ts, and a socket-like pipeline — Buffer chunks pushed one by one through a
// Subject, as a TCP connection's `bytes` delivers them. Both sides of every pair run in each round,
// in an order that alternates per round; the ratios are medians of the per-round (hand ms ÷ porta ms)
// pairs, i.e. porta's rate as a fraction of the hand-written loop's. Knobs: BENCH_FRAMING_ROUNDS
// (default 15), BENCH_FRAMING_FRAMES (default 300,000), BENCH_PHASE (docs/many-peers label).
import { encodeLengthPrefixed, lengthField, lines } from '@porta/core';
import { from, type Observable, Subject } from 'rxjs';
import { type ManyPeersRow, manyPeersPhase, recordManyPeers } from './manyPeers.js';
import { machine, median, table, writeSection } from './report.js';

const FRAMES = Number(process.env.BENCH_FRAMING_FRAMES ?? 300_000);
const ROUNDS = Number(process.env.BENCH_FRAMING_ROUNDS ?? 15);
const PAYLOAD = 32;
const CHUNK = 64 * 1024;

let sink = 0;

/** Chunks as a socket delivers them: each its own Buffer (a copy), 64 KiB. */
function buffersOf(bytes: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK) out.push(Buffer.from(bytes.subarray(at, at + CHUNK)));
  return out;
}

/** One form of feeding chunks to a consumer: the whole array through `from`, or pushed through a Subject. */
type Form = 'from' | 'subject';

/** Counts what `op` emits over `chunks` fed in `form`. */
function countThrough<T>(
  form: Form,
  chunks: readonly Uint8Array[],
  op: (source: Observable<Uint8Array>) => Observable<T>,
): number {
  let n = 0;
  const onError = (e: unknown) => {
    throw e;
  };
  if (form === 'from') {
    op(from(chunks)).subscribe({ next: () => n++, error: onError });
    return n;
  }
  const socket = new Subject<Uint8Array>();
  const sub = op(socket).subscribe({ next: () => n++, error: onError });
  for (const chunk of chunks) socket.next(chunk);
  socket.complete();
  sub.unsubscribe();
  return n;
}

/** What the hand-written loops do with a chunk: append it to the leftover bytes (a copy only when there are some). */
function joined(rest: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (rest.length === 0) return chunk;
  const buf = new Uint8Array(rest.length + chunk.length);
  buf.set(rest);
  buf.set(chunk, rest.length);
  return buf;
}

// The three hand-written loops below share their shape (leftover, push, count) on purpose: each is its
// own monomorphic loop, as one writes it by hand; a shared driver calling a splitter per chunk would
// make the baselines slower than hand-written code is.

/** The hand-written 4-byte big-endian length-prefix loop: a leftover buffer, concat when a frame spans chunks. */
function handLengthPrefixed(): { push(chunk: Uint8Array): void; readonly frames: number } {
  let rest: Uint8Array = new Uint8Array(0);
  let frames = 0;
  return {
    push(chunk) {
      const buf = joined(rest, chunk);
      let at = 0;
      while (buf.length - at >= 4) {
        const len = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
        if (buf.length - at - 4 < len) break;
        const frame = buf.subarray(at + 4, at + 4 + len);
        sink += frame.length;
        frames++;
        at += 4 + len;
      }
      rest = buf.subarray(at);
    },
    get frames() {
      return frames;
    },
  };
}

/** The hand-written line splitter, bytes: indexOf(LF) per line, leftover carried between chunks. */
function handLines(): { push(chunk: Uint8Array): void; readonly frames: number } {
  let rest: Uint8Array = new Uint8Array(0);
  let frames = 0;
  return {
    push(chunk) {
      const buf = joined(rest, chunk);
      let at = 0;
      for (let lf = buf.indexOf(0x0a, at); lf >= 0; lf = buf.indexOf(0x0a, at)) {
        const line = buf.subarray(at, lf);
        sink += line.length;
        frames++;
        at = lf + 1;
      }
      rest = buf.subarray(at);
    },
    get frames() {
      return frames;
    },
  };
}

/**
 * The hand-written line splitter, strings: each chunk's complete lines decoded at once (strict UTF-8,
 * the bytes of a partial last line carried over), then split with indexOf / slice.
 */
function handTextLines(): { push(chunk: Uint8Array): void; readonly frames: number } {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let rest: Uint8Array = new Uint8Array(0);
  let frames = 0;
  return {
    push(chunk) {
      const buf = joined(rest, chunk);
      const last = buf.lastIndexOf(0x0a);
      if (last < 0) {
        rest = buf;
        return;
      }
      const text = utf8.decode(buf.subarray(0, last + 1));
      let at = 0;
      for (let lf = text.indexOf('\n', at); lf >= 0; lf = text.indexOf('\n', at)) {
        sink += text.slice(at, lf).length;
        frames++;
        at = lf + 1;
      }
      rest = buf.subarray(last + 1);
    },
    get frames() {
      return frames;
    },
  };
}

/** Runs a hand-written loop over `chunks` in `form` (through `from`/a Subject, as porta's runs are). */
function runHand(
  form: Form,
  chunks: readonly Uint8Array[],
  make: () => { push(chunk: Uint8Array): void; readonly frames: number },
): number {
  const loop = make();
  if (form === 'from') {
    from(chunks).subscribe((c) => loop.push(c));
  } else {
    const socket = new Subject<Uint8Array>();
    socket.subscribe((c) => loop.push(c));
    for (const chunk of chunks) socket.next(chunk);
    socket.complete();
  }
  return loop.frames;
}

interface Pair {
  readonly label: string;
  readonly form: Form;
  readonly hand: () => number;
  readonly porta: () => number;
}

function timed(run: () => number): number {
  const start = process.hrtime.bigint();
  const n = run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (n !== FRAMES) throw new Error(`decoded ${n} frames, expected ${FRAMES}`);
  return ms;
}

function lengthChunks(): { arrays: Uint8Array[]; buffers: Buffer[] } {
  const parts = Array.from({ length: FRAMES }, (_, i) =>
    encodeLengthPrefixed(new Uint8Array(PAYLOAD).fill(i & 255)),
  );
  const all = Buffer.concat(parts);
  const arrays: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += CHUNK)
    arrays.push(Uint8Array.prototype.slice.call(all, at, at + CHUNK));
  return { arrays, buffers: buffersOf(all) };
}

function lineChunks(): { arrays: Uint8Array[]; buffers: Buffer[] } {
  let text = '';
  for (let i = 0; i < FRAMES; i++) text += `line ${String(i).padStart(7, '0')} of the benchmark\n`;
  const all = new TextEncoder().encode(text);
  const arrays: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += CHUNK) arrays.push(all.slice(at, at + CHUNK));
  return { arrays, buffers: buffersOf(all) };
}

export async function main(): Promise<void> {
  const len = lengthChunks();
  const txt = lineChunks();
  const pairs: Pair[] = [];
  for (const form of ['from', 'subject'] as const) {
    const l = form === 'from' ? len.arrays : len.buffers;
    const t = form === 'from' ? txt.arrays : txt.buffers;
    const what = form === 'from' ? 'from(chunks)' : 'Buffers through a Subject';
    pairs.push(
      {
        label: `lengthField() ÷ hand loop, ${what}`,
        form,
        hand: () => runHand(form, l, handLengthPrefixed),
        porta: () => countThrough(form, l, lengthField()),
      },
      {
        label: `lines() ÷ hand loop (bytes), ${what}`,
        form,
        hand: () => runHand(form, t, handLines),
        porta: () => countThrough(form, t, lines()),
      },
      {
        label: `lines({ encoding: 'utf8' }) ÷ hand loop (strings), ${what}`,
        form,
        hand: () => runHand(form, t, handTextLines),
        porta: () => countThrough(form, t, lines({ encoding: 'utf8' })),
      },
    );
  }
  const ratios = pairs.map(() => [] as number[]);
  const handMs = pairs.map(() => [] as number[]);
  const portaMs = pairs.map(() => [] as number[]);
  // Warm-up: every candidate once, uncounted.
  for (const p of pairs) {
    timed(p.hand);
    timed(p.porta);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, p] of pairs.entries()) {
      let h: number;
      let q: number;
      if (round % 2 === 0) {
        h = timed(p.hand);
        q = timed(p.porta);
      } else {
        q = timed(p.porta);
        h = timed(p.hand);
      }
      handMs[i]!.push(h);
      portaMs[i]!.push(q);
      ratios[i]!.push(h / q);
    }
  }
  const fmt = (ms: number) => `${(((FRAMES / ms) * 1000) / 1e6).toFixed(2)} M/s`;
  const result = table(
    ['pair', 'hand-written (median)', 'porta (median)', 'porta ÷ hand (median of pairs)', 'range'],
    pairs.map((p, i) => [
      p.label,
      fmt(median(handMs[i]!)),
      fmt(median(portaMs[i]!)),
      `${median(ratios[i]!).toFixed(2)}×`,
      `${Math.min(...ratios[i]!).toFixed(2)}–${Math.max(...ratios[i]!).toFixed(2)}`,
    ]),
  );
  console.log(result);
  if (sink < 0) console.log(sink);
  const rows: ManyPeersRow[] = pairs.map((p, i) => ({
    label: p.label,
    ratio: Number(median(ratios[i]!).toFixed(3)),
    handMs: Number(median(handMs[i]!).toFixed(2)),
    portaMs: Number(median(portaMs[i]!).toFixed(2)),
  }));
  recordManyPeers('framing-pipeline', ROUNDS, rows);
  writeSection(
    'framing-pipeline',
    `## Framing in a pipeline (\`bench/framing-pipeline.bench.ts\`, phase \`${manyPeersPhase()}\`)

${machine()}. ${FRAMES.toLocaleString('en')} frames (length-prefixed: ${PAYLOAD}-byte payloads behind a
4-byte big-endian length; lines: ~30 bytes), 64 KiB chunks, in two forms: \`from(chunks)\` (an array of
\`Uint8Array\`s) and a socket-like pipeline (each chunk its own \`Buffer\`, pushed through a \`Subject\`,
as a connection's \`bytes\` delivers it). The hand-written loops get their chunks the same way. ${ROUNDS}
rounds after a warm-up; in each, hand and porta run back to back (order alternating per round), and
the ratio is the median of the per-round pairs (porta's rate ÷ the hand loop's). Target (issue 14):
\`lengthField\` ≥ 0.85× in both forms.

${result}`,
  );
}
