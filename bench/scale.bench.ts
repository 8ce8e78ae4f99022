// Scale-out: UDP echo and TCP line echo served by 1 and 2 processes, load from another process.
// For UDP it also measures where one client's datagrams land with 4 workers: cluster's shared
// handle (the kernel wakes any worker) against porta's dispatcher (the primary owns the socket and
// hands each remote to one worker). Rounds alternate configurations so machine load hits all alike;
// figures are medians, as ratios against the single process. CPU is the server processes' own.
// The reusePort rows need Node ≥ 22.12 (skipped, and said so, on older Nodes). Knobs:
// BENCH_SCALE_MS (run length, default 2000), BENCH_SCALE_ROUNDS (3), BENCH_SCALE_ONLY=udp|tcp,
// BENCH_SCALE_AFFINITY=0 (skip the 4-worker placement table).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { reusePortSupported } from '@porta/core';
import { machine, median, table, writeSection } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MS = Number(process.env.BENCH_SCALE_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);

interface ServerResult {
  readonly perWorker: number[];
  readonly remotes: number[];
  readonly cpuMs: number;
  readonly dropped: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function run(
  args: readonly string[],
  onLine?: (line: string) => void,
): { done: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (const line of c.toString().split('\n')) if (line) onLine?.(line);
  });
  return {
    done: new Promise((resolve) => child.on('close', () => resolve(out))),
    kill: () => child.kill('SIGTERM'),
  };
}

type Mode = 'single' | 'shared' | 'dispatch' | 'reuseport';

async function measure(
  proto: 'udp' | 'tcp',
  mode: Mode,
  workers: number,
  clients: number,
  windowSize: number,
): Promise<{ perSecond: number; server: ServerResult }> {
  const port = await freePort();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const server = run(
    ['scale-server.ts', proto, mode, String(workers), String(port)],
    (l) => l === 'ready' && ready(),
  );
  await isReady;
  const load = run(['scale-load.ts', proto, String(port), String(clients), String(windowSize), String(MS)]);
  const { replies, ms } = JSON.parse((await load.done).trim()) as { replies: number; ms: number };
  server.kill();
  const lines = (await server.done).trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as ServerResult;
  return { perSecond: (replies / ms) * 1000, server: result };
}

const share = (perWorker: readonly number[]) => {
  const max = Math.max(...perWorker);
  const min = Math.min(...perWorker);
  return min === 0 ? '∞' : (max / min).toFixed(2);
};

const LABELS: Record<Mode, Record<'udp' | 'tcp', string>> = {
  single: { udp: 'UDP echo, 1 process', tcp: 'TCP line echo, 1 process' },
  dispatch: { udp: "UDP echo, 2 workers (cluster: porta's dispatcher)", tcp: '' },
  shared: {
    udp: "UDP echo, 2 workers (cluster's shared handle)",
    tcp: 'TCP line echo, 2 workers (cluster round robin)',
  },
  reuseport: { udp: 'UDP echo, 2 workers (reusePort)', tcp: 'TCP line echo, 2 workers (reusePort)' },
};

export async function main(): Promise<void> {
  const reuse = reusePortSupported();
  const only = process.env.BENCH_SCALE_ONLY;
  // 1. Affinity: where one client's datagrams land with 4 workers, one in flight at a time.
  const affinity: (string | number)[][] = [];
  if (process.env.BENCH_SCALE_AFFINITY !== '0' && only !== 'tcp') {
    for (const mode of ['shared', 'dispatch', ...(reuse ? (['reuseport'] as const) : [])] as const) {
      const { server } = await measure('udp', mode, 4, 1, 1);
      const total = server.perWorker.reduce((a, b) => a + b, 0);
      affinity.push([
        mode === 'shared'
          ? "cluster's shared handle"
          : mode === 'dispatch'
            ? 'porta dispatcher'
            : 'reusePort',
        server.perWorker.join('/'),
        total,
        server.remotes.reduce((a, b) => a + b, 0),
      ]);
    }
  }

  // 2. Throughput, 1 vs 2 processes, 8 clients with 4 messages in flight each.
  const all: { proto: 'udp' | 'tcp'; mode: Mode; workers: number }[] = [
    { proto: 'udp', mode: 'single', workers: 1 },
    { proto: 'udp', mode: 'dispatch', workers: 2 },
    { proto: 'udp', mode: 'shared', workers: 2 },
    { proto: 'udp', mode: 'reuseport', workers: 2 },
    { proto: 'tcp', mode: 'single', workers: 1 },
    { proto: 'tcp', mode: 'shared', workers: 2 },
    { proto: 'tcp', mode: 'reuseport', workers: 2 },
  ];
  const configs = all.filter(
    (c) => (reuse || c.mode !== 'reuseport') && (only === undefined || only === c.proto),
  );
  const rates = configs.map(() => [] as number[]);
  const cpuPer = configs.map(() => [] as number[]);
  const shares = configs.map(() => [] as string[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of configs.entries()) {
      const { perSecond, server } = await measure(c.proto, c.mode, c.workers, 8, 4);
      rates[i]!.push(perSecond);
      const messages = server.perWorker.reduce((a, b) => a + b, 0);
      cpuPer[i]!.push(messages > 0 ? (server.cpuMs * 1000) / messages : 0);
      shares[i]!.push(c.workers > 1 ? share(server.perWorker) : '-');
    }
  }
  const baseOf = (proto: string) =>
    median(rates[configs.findIndex((c) => c.proto === proto && c.workers === 1)]!);
  const rows = configs.map((c, i) => [
    LABELS[c.mode][c.proto],
    Math.round(median(rates[i]!)),
    (median(rates[i]!) / baseOf(c.proto)).toFixed(2),
    median(cpuPer[i]!).toFixed(1),
    shares[i]!.join(', '),
  ]);

  const markdown = [
    `## Scale-out: workers (\`bench/scale.bench.ts\`${only === undefined ? '' : `, ${only} only`})`,
    '',
    `Measured on ${machine()}.`,
    '',
    ...(affinity.length === 0
      ? []
      : [
          `Where one client's datagrams land with 4 workers (one request in flight at a time, ${MS} ms):`,
          '',
          table(
            [
              'UDP over 4 workers',
              'datagrams per worker',
              'total',
              'actors (remotes seen, summed over workers)',
            ],
            affinity,
          ),
          '',
        ]),
    `Throughput, load from another process (8 clients × 4 in flight, ${MS} ms per run, median of ${ROUNDS} interleaved rounds${reuse ? '' : '; no reusePort rows: this Node has no `reusePort`'}):`,
    '',
    table(
      ['server', 'replies/s', 'ratio to 1 process', 'server CPU µs per message', 'per-worker max/min share'],
      rows,
    ),
    '',
    'Server CPU counts every server process (primary and workers) from "ready" to the end of the run.',
    'On 2 cores shared with the load generator, 2 workers cannot reach 2×: the load process takes',
    "about a core. The dispatcher's primary handles every datagram twice (in, and the reply out) plus",
    'the IPC batch to and from the worker, visible in its CPU per message; it buys one home per',
    'client on Node 20. With a core per worker (and one for the load), expect TCP and `reusePort`',
    "UDP to scale close to linearly per core, and UDP through the dispatcher to stop at the primary's",
    'one core.',
  ].join('\n');
  console.log(markdown);
  // Each Node line keeps its own section (reusePort exists from 22.12 on), and a partial run
  // (BENCH_SCALE_ONLY=udp|tcp, each under 3 minutes) keeps its own too.
  const nodeLine = `node${process.versions.node.split('.')[0]}`;
  writeSection(only === undefined ? `scale-${nodeLine}` : `scale-${only}-${nodeLine}`, markdown);
}
