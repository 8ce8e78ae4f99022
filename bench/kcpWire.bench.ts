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
// 3. Steady state, in the same sessions: after the two MiB, KCP_WIRE_WARM_MIB more (default 4) as a
//    warm-up, then CPU and goodput over the next KCP_WIRE_STEADY_MIB (default 4), one transfer each.
//    The cold MiB (2.) falls while V8 still compiles and collects in its worker threads, a third or
//    more of porta's CPU there; the steady figure is what a long-lived tunnel pays per MiB.
// Each round runs every pair once (interleaved, so a load spike hits them alike); the tables give
// medians over rounds, and every ratio is the median of the per-round ratios (paired).

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
// The steady-state figure: after the cold MiBs the same session moves KCP_WIRE_WARM_MIB more, then
// the CPU of both tunnel processes is read over the next KCP_WIRE_STEADY_MIB.
//   KCP_WIRE_WARM_MIB=8 KCP_WIRE_STEADY_MIB=8 npm run bench -- kcpWire
const WARM_MIB = Number(process.env.KCP_WIRE_WARM_MIB ?? 4);
const STEADY_MIB = Number(process.env.KCP_WIRE_STEADY_MIB ?? 4);
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

/** The median over rounds of `f(a's round) / f(b's round)`: a paired ratio, robust to a load spike in one round. */
function pairedRatio(a: readonly Result[], b: readonly Result[], f: (r: Result) => number): number {
  return median(a.map((r, i) => f(r) / f(b[i] as Result)));
}

const steadyCpu = (r: Result) => r.steady?.cpuMsPerMiB ?? Number.NaN;
const steadyMs = (r: Result) => r.steady?.bulkMs ?? Number.NaN;

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
  const steady = { warmMiB: WARM_MIB, mib: STEADY_MIB };
  const coldRows: (string | number)[][] = [];
  const steadyRows: (string | number)[][] = [];
  const vsBaseline: string[] = [];
  for (const loss of LOSSES) {
    const results = new Map<string, Result[]>(pairs.map((p) => [p.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs) {
        const r = await measure(pair, loss, 200 + round, payload, steady);
        results.get(pair.name)?.push(r);
        console.error(
          `${pair.name} loss ${loss} round ${round}: ${r.bulkMs.toFixed(0)} ms, cpu ${r.cpuMsPerMiB.toFixed(0)} ms; steady ${steadyMs(r).toFixed(0)} ms, cpu ${steadyCpu(r).toFixed(0)} ms per MiB`,
        );
      }
    }
    const of = (name: string) => results.get(name) ?? [];
    for (const [i, pair] of pairs.entries()) {
      const base = of(pairs[i - (i % perConfig)]?.name as string);
      const rs = of(pair.name);
      const row = (ms: (r: Result) => number, cpu: (r: Result) => number) => [
        `${loss * 100}%`,
        pair.name,
        (1000 / median(rs.map(ms))).toFixed(2),
        pairedRatio(base, rs, ms).toFixed(2),
        median(rs.map(cpu)).toFixed(0),
        pairedRatio(rs, base, cpu).toFixed(2),
      ];
      coldRows.push(
        row(
          (r) => r.bulkMs,
          (r) => r.cpuMsPerMiB,
        ),
      );
      steadyRows.push(row(steadyMs, steadyCpu));
      if (pair.name.endsWith('(baseline build)')) {
        const current = of(pairs[i - 1]?.name as string);
        vsBaseline.push(
          `${loss * 100}% ${pair.name.replace(' (baseline build)', '')}: CPU ${pairedRatio(current, rs, (r) => r.cpuMsPerMiB).toFixed(2)} (cold), ${pairedRatio(current, rs, steadyCpu).toFixed(2)} (steady)`,
        );
      }
    }
  }
  const head = (what: string) => [
    'loss',
    'pair',
    `${what}MiB/s`,
    'goodput vs kcptun',
    `${what}CPU ms per MiB`,
    'CPU vs kcptun',
  ];
  const markdown = [
    machine(),
    '',
    `In one process, ${MICRO_ROUNDS} interleaved rounds after a warm-up, medians: porta's packet pipeline (1 MiB of`,
    '1298-byte KCP packets sealed by one pipeline and opened by another) and snappy framing (1 MiB in',
    '16 KiB writes, encoded and decoded).',
    '',
    microTable,
    '',
    'Tunnels, as in bench/kcp (each end its own process; noise one way; 20 ms each way through the',
    `impairment proxy; \`--mode fast --smuxver 1\`), ${ROUNDS} interleaved rounds. "defaults" is kcptun's (aes,`,
    'snappy, FEC 10/3), "none" is `--crypt none --nocomp --ds 0 --ps 0`; each row is compared with',
    'kcptun in the same configuration. CPU: both tunnel processes, every thread (/proc schedstat).',
    'Figures are medians over rounds; the "vs kcptun" ratios are medians of the per-round ratios.',
    '',
    'Cold: the second MiB of a fresh session (after one warm-up MiB), while V8 still compiles and',
    'collects in the background: what a short-lived tunnel pays.',
    '',
    table(head(''), coldRows),
    '',
    `Steady: the same session then moves ${WARM_MIB} MiB more (warm-up), and the figures are over the next`,
    `${STEADY_MIB} MiB, in one transfer.`,
    '',
    table(head('steady '), steadyRows),
    ...(vsBaseline.length > 0
      ? [
          '',
          'This build against the baseline build (medians of per-round ratios):',
          '',
          ...vsBaseline.map((l) => `- ${l}`),
        ]
      : []),
  ].join('\n');
  console.log(markdown);
  writeSection('kcpWire', markdown);
}
