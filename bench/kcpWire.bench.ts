// kcp-go's packet pipeline (cipher, FEC) and kcptun's snappy stream: what they cost porta, against
// what they cost kcptun.
//   npm run bench -- kcpWire
//
// 1. In this process: seal + open of 1 MiB of KCP packets through porta's pipeline (none; aes;
//    aes + FEC 10/3) and snappy framing of 1 MiB (noise; text), interleaved rounds, medians.
// 2. Tunnels in their own processes, as bench/kcp runs them (1 MiB one way through porta's
//    impairment proxy, 20 ms each way): kcptun's defaults (aes, snappy, FEC 10/3) against
//    `--crypt none --nocomp --ds 0 --ps 0`, for kcptun↔kcptun and porta↔porta. The 1 MiB is noise
//    (snappy stores it: the pipeline's worst case, and the same work for both).

import { ChunkQueue } from '@porta/core';
import {
  encodeSnappyFrames,
  kcpGoPacketLayer,
  kcpPacketPipeline,
  SnappyFrameDecoder,
} from '@porta/reliability';
import { kcptunPair, measure, type Pair, portaPair, type Result } from './kcp.bench.js';
import { machine, median, table, writeSection } from './report.js';

const MiB = 1024 * 1024;
//   KCP_WIRE_LOSS=0 KCP_WIRE_ROUNDS=1 npm run bench -- kcpWire
const LOSSES = (process.env.KCP_WIRE_LOSS ?? '0,0.1').split(',').map(Number);
const ROUNDS = Number(process.env.KCP_WIRE_ROUNDS ?? 2);
// Another build's CLI (e.g. main's examples/dist/cli.js) as a third pair in each configuration,
// interleaved with the others: before/after figures from the same rounds.
//   KCP_WIRE_BASELINE=/work/main/examples/dist/cli.js npm run bench -- kcpWire
const BASELINE = process.env.KCP_WIRE_BASELINE;
const MICRO_ROUNDS = 7;

function noise(n: number, seed = 0x9e3779b9): Uint8Array {
  let x = seed;
  return new Uint8Array(n).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

const text = (n: number) =>
  new TextEncoder()
    .encode(Array.from({ length: Math.ceil(n / 24) }, (_, i) => `line ${i % 1000} of the log\n`).join(''))
    .subarray(0, n);

/** ms to seal and open 1 MiB of 1298-byte KCP packets through a fresh pair of pipelines. */
function pipelineMs(crypt: 'none' | 'aes', fec: boolean): number {
  const layer = kcpGoPacketLayer({ crypt });
  const shards = fec ? { dataShards: 10, parityShards: 3 } : { dataShards: 0, parityShards: 0 };
  const sender = kcpPacketPipeline(layer, shards);
  const receiver = kcpPacketPipeline(layer, shards);
  const body = noise(1298);
  let delivered = 0;
  const started = performance.now();
  for (let sent = 0; sent < MiB; sent += body.length) {
    const packet = new Uint8Array(sender.overhead + body.length);
    packet.set(body, sender.overhead);
    sender.seal(packet, (d) =>
      receiver.open(d, (p) => {
        delivered += p.length;
      }),
    );
  }
  const ms = performance.now() - started;
  if (delivered < MiB) throw new Error(`pipeline delivered ${delivered} bytes`);
  return ms;
}

/** ms to frame 1 MiB as kcptun writes it (16 KiB writes, like smux frames) and decode it back. */
function snappyMs(data: Uint8Array): number {
  const started = performance.now();
  const decoder = new SnappyFrameDecoder();
  const queue = new ChunkQueue();
  let out = 0;
  for (let at = 0; at < data.length; at += 16384) {
    queue.push(encodeSnappyFrames(data.subarray(at, at + 16384), at === 0));
    for (let f = decoder.decode(queue); f; f = decoder.decode(queue)) out += f.length;
  }
  if (out !== data.length) throw new Error(`snappy gave back ${out} bytes`);
  return performance.now() - started;
}

function micro(): string {
  const cases: [string, () => number][] = [
    ['pipeline: none (nonce + CRC32)', () => pipelineMs('none', false)],
    ['pipeline: aes', () => pipelineMs('aes', false)],
    ['pipeline: aes + FEC 10/3', () => pipelineMs('aes', true)],
    ['snappy framing: noise (stored)', () => snappyMs(noise(MiB))],
    ['snappy framing: text (compressed)', () => snappyMs(text(MiB))],
  ];
  const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
  for (const [, run] of cases) run(); // warm-up
  for (let round = 0; round < MICRO_ROUNDS; round++) {
    for (const [name, run] of cases) times.get(name)?.push(run());
  }
  const base = median(times.get(cases[0]?.[0] as string) ?? []);
  return table(
    ['stage (seal + open, or encode + decode, of 1 MiB)', 'ms per MiB', 'MiB/s', 'vs none'],
    cases.map(([name]) => {
      const ms = median(times.get(name) ?? []);
      return [name, ms.toFixed(1), (1000 / ms).toFixed(0), (ms / base).toFixed(2)];
    }),
  );
}

const MODE = ['--mode', 'fast', '--smuxver', '1'];
const NONE = ['--crypt', 'none', '--nocomp', '--ds', '0', '--ps', '0', ...MODE];

export async function main(): Promise<void> {
  const microTable = micro();
  console.log(microTable);
  const configs = [
    [MODE, 'defaults'],
    [NONE, 'none'],
  ] as const;
  const pairs: Pair[] = configs.flatMap(([flags, label]) => [
    kcptunPair(flags, `kcptun ↔ kcptun, ${label}`),
    portaPair('kcp', flags, `porta ↔ porta, ${label}`),
    ...(BASELINE ? [portaPair('kcp', flags, `porta ↔ porta, ${label} (baseline build)`, BASELINE)] : []),
  ]);
  const perConfig = pairs.length / configs.length;
  const payload = noise(MiB);
  const rows: (string | number)[][] = [];
  for (const loss of LOSSES) {
    const results = new Map<string, Result[]>(pairs.map((p) => [p.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs) {
        const r = await measure(pair, loss, 200 + round, payload);
        results.get(pair.name)?.push(r);
        console.error(
          `${pair.name} loss ${loss} round ${round}: ${r.bulkMs.toFixed(0)} ms, cpu ${r.cpuMsPerMiB.toFixed(0)} ms`,
        );
      }
    }
    const med = (name: string, f: (r: Result) => number) => median((results.get(name) ?? []).map(f));
    for (const [i, pair] of pairs.entries()) {
      const baseline = pairs[i - (i % perConfig)]?.name as string;
      const bulkMs = med(pair.name, (r) => r.bulkMs);
      const cpu = med(pair.name, (r) => r.cpuMsPerMiB);
      rows.push([
        `${loss * 100}%`,
        pair.name,
        (1000 / bulkMs).toFixed(2),
        (med(baseline, (r) => r.bulkMs) / bulkMs).toFixed(2),
        cpu.toFixed(0),
        (cpu / med(baseline, (r) => r.cpuMsPerMiB)).toFixed(2),
      ]);
    }
  }
  const markdown = [
    machine(),
    '',
    `In one process, ${MICRO_ROUNDS} interleaved rounds after a warm-up, medians: porta's packet pipeline (1 MiB of`,
    '1298-byte KCP packets sealed by one pipeline and opened by another) and snappy framing (1 MiB in',
    '16 KiB writes, encoded and decoded).',
    '',
    microTable,
    '',
    'Tunnels, as in bench/kcp (each end its own process; 1 MiB of noise one way after a warm-up MiB;',
    `20 ms each way through the impairment proxy; \`--mode fast --smuxver 1\`), ${ROUNDS} interleaved rounds,`,
    'medians. "defaults" is kcptun\'s (aes, snappy, FEC 10/3), "none" is `--crypt none --nocomp --ds 0',
    '--ps 0`; each row is compared with kcptun in the same configuration. CPU: both tunnel processes,',
    'every thread (/proc schedstat), during the measured MiB.',
    '',
    table(['loss', 'pair', 'MiB/s', 'goodput vs kcptun', 'CPU ms per MiB', 'CPU vs kcptun'], rows),
  ].join('\n');
  console.log(markdown);
  writeSection('kcpWire', markdown);
}
