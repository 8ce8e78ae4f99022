// Memory under hostile inputs: what a peer that lies about its frame lengths, or never ends a line,
// costs a porta server, against decoders written the common naive way (reserve the declared length up
// front; concatenate until the delimiter shows up). DESIGN.md: "a thousand peers each declaring 8 MiB
// must not cost 8 GB".
import { isPortaError, lengthField, lines } from '@porta/core';
import { Observable, type OperatorFunction, Subject, type Subscription } from 'rxjs';
import { machine, table, writeSection } from './report.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap plus array buffers (where Uint8Array bytes live), after a full collection when available. */
function memory(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Peers {
  /** Bytes the process holds for these peers beyond the baseline, per peer. */
  readonly perPeer: number;
  /** How many peers failed with a typed error. */
  readonly failed: number;
}

/**
 * Opens `count` peers, each a byte stream through `decoder`, feeds each the same hostile `chunks`,
 * and measures what the live peers hold before they are closed.
 */
function hostilePeers(
  count: number,
  decoder: () => OperatorFunction<Uint8Array, unknown>,
  chunks: () => Iterable<Uint8Array>,
): Peers {
  const before = memory();
  const peers: Subject<Uint8Array>[] = [];
  const subscriptions: Subscription[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const bytes = new Subject<Uint8Array>();
    peers.push(bytes);
    subscriptions.push(
      bytes.pipe(decoder()).subscribe({
        error: (err: unknown) => {
          if (!isPortaError(err)) throw err;
          failed++;
        },
      }),
    );
    for (const chunk of chunks()) bytes.next(chunk);
  }
  const held = memory() - before;
  for (const s of subscriptions) s.unsubscribe();
  peers.length = 0;
  return { perPeer: Math.max(0, held) / count, failed };
}

/** A 4-byte big-endian length header declaring `declared` bytes, then `sent` bytes of the body. */
function* liar(declared: number, sent: number): Iterable<Uint8Array> {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, declared);
  yield header;
  yield new Uint8Array(sent).fill(0x61);
}

/** A line that never ends: `total` bytes without LF, in 64 KiB chunks (fresh, as a socket delivers them). */
function* endlessLine(total: number): Iterable<Uint8Array> {
  for (let sent = 0; sent < total; sent += 64 * KiB) yield new Uint8Array(64 * KiB).fill(0x61);
}

/** The naive length-field decoder: read the header, reserve the whole declared frame, fill it. */
function naiveLengthField(): OperatorFunction<Uint8Array, Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let frame: Uint8Array | undefined;
      let filled = 0;
      return source.subscribe({
        next(chunk) {
          // Simplified as such code often is: the header arrives whole, in a chunk of its own.
          if (frame === undefined) {
            frame = new Uint8Array(new DataView(chunk.buffer, chunk.byteOffset).getUint32(0));
            filled = 0;
            return;
          }
          frame.set(chunk.subarray(0, frame.length - filled), filled);
          filled += Math.min(chunk.length, frame.length - filled);
          if (filled === frame.length) {
            subscriber.next(frame);
            frame = undefined;
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/** The naive line splitter: concatenate chunks until an LF shows up. */
function naiveLines(): OperatorFunction<Uint8Array, Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let pending = new Uint8Array(0);
      return source.subscribe({
        next(chunk) {
          const joined = new Uint8Array(pending.length + chunk.length);
          joined.set(pending);
          joined.set(chunk, pending.length);
          let lf = joined.indexOf(0x0a);
          let start = 0;
          while (lf >= 0) {
            subscriber.next(joined.subarray(start, lf));
            start = lf + 1;
            lf = joined.indexOf(0x0a, start);
          }
          pending = joined.slice(start);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

const fmtBytes = (n: number) =>
  n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= KiB ? `${(n / KiB).toFixed(1)} KiB` : `${n.toFixed(0)} B`;

export async function main(): Promise<void> {
  if (gc === undefined) console.warn('run with --expose-gc (npm run bench does) for steady memory figures');

  // 1. Peers that declare the largest allowed frame (8 MiB, lengthField's default bound) and send 1 KiB.
  const declared = 8 * MiB - 4;
  const lyingPorta = hostilePeers(
    1_000,
    () => lengthField(),
    () => liar(declared, KiB),
  );
  const lyingNaive = hostilePeers(16, naiveLengthField, () => liar(declared, KiB));

  // 2. A header claiming 4 GiB: porta refuses it on the header.
  const hugePorta = hostilePeers(
    1_000,
    () => lengthField(),
    () => liar(0xffff_ffff, KiB),
  );

  // 3. Peers that send 1 MiB without ever ending the line; porta's line bound is 8 KiB here.
  const endlessPorta = hostilePeers(
    200,
    () => lines({ maxFrameLength: 8 * KiB }),
    () => endlessLine(MiB),
  );
  const endlessNaive = hostilePeers(50, naiveLines, () => endlessLine(MiB));

  const rows = [
    [
      'declares 8 MiB, sends 1 KiB',
      `porta lengthField(): ${fmtBytes(lyingPorta.perPeer)} (1,000 peers)`,
      `reserve declared length: ${fmtBytes(lyingNaive.perPeer)} (16 peers)`,
      `${(lyingNaive.perPeer / Math.max(1, lyingPorta.perPeer)).toFixed(0)}×`,
      `${fmtBytes(lyingPorta.perPeer * 1_000)} vs ${fmtBytes(lyingNaive.perPeer * 1_000)}`,
    ],
    [
      'declares 4 GiB (0xFFFFFFFF)',
      `porta: FRAME_TOO_LONG on the header for ${hugePorta.failed}/1,000, ${fmtBytes(hugePorta.perPeer)}`,
      'reserve declared length: a 4 GiB allocation per peer',
      '—',
      `${fmtBytes(hugePorta.perPeer * 1_000)} vs 4,000 GiB`,
    ],
    [
      'a line that never ends (1 MiB sent)',
      `porta lines({ maxFrameLength: 8 KiB }): FRAME_TOO_LONG for ${endlessPorta.failed}/200 on the first chunk past the bound; ${fmtBytes(endlessPorta.perPeer)} held after`,
      `concatenate until LF: ${fmtBytes(endlessNaive.perPeer)} (50 peers)`,
      '— (porta holds at most the bound plus one chunk, then nothing)',
      `${fmtBytes(endlessPorta.perPeer * 1_000)} vs ${fmtBytes(endlessNaive.perPeer * 1_000)}`,
    ],
  ];
  const markdown = `## Memory under hostile inputs (\`bench/hostile.bench.ts\`)

${machine()}. Each peer is a byte stream through a decoder, fed a hostile input; the figure is the
heap plus array-buffer bytes the live peers hold, per peer, after a full GC (the peers stay open while
measured). The naive decoders are the common hand-written ways: reserve the declared length up front,
or concatenate chunks until the delimiter arrives; they run with fewer peers so the machine survives.

${table(['input', 'porta, held per peer', 'naive, held per peer', 'naive ÷ porta', 'for 1,000 peers'], rows)}

A frame's memory grows as its bytes arrive and is bounded by \`maxFrameLength\` (checked on the
header, before any allocation), so a lying peer costs what it sent, not what it declared.`;
  console.log(markdown);
  writeSection('hostile', markdown);
}
