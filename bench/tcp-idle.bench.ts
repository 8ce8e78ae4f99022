// Many idle TCP connections (issue 14): COUNT (default 5,000) connections held open against a porta
// server (`serve(tcpTransport)`, `peer => peer.messages`) and a raw node:net echo server, each server
// in a fresh process (bench/tcp-idle-server.ts) so its heap holds nothing else. Measured: heap and
// RSS growth per connection after GC, and the time from the first connect until the server has
// every connection open (porta: every actor `opened`). This process is the client, at most 256
// connects outstanding. Rounds interleave the servers; ratios are medians of per-round ratios.
// Knobs: BENCH_TCP_IDLE_COUNT (5000), BENCH_TCP_IDLE_ROUNDS (3). Needs `ulimit -n` ≥ COUNT + 100.
import net from 'node:net';
import os from 'node:os';
import { machine, median, table, writeSection } from './report.js';
import { spawnBench, writeFigures } from './tcp-bench-support.js';

const COUNT = Number(process.env.BENCH_TCP_IDLE_COUNT ?? 5_000);
const ROUNDS = Number(process.env.BENCH_TCP_IDLE_ROUNDS ?? 3);
const OUTSTANDING = 256;

interface Run {
  readonly heapPerConnection: number;
  readonly rssPerConnection: number;
  readonly acceptMs: number;
}

function connectAll(port: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  return new Promise((resolve, reject) => {
    let started = 0;
    let connected = 0;
    const next = () => {
      if (started === COUNT) return;
      started++;
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        if (++connected === COUNT) resolve(sockets);
        else next();
      });
      socket.on('error', reject);
      sockets.push(socket);
    };
    for (let i = 0; i < OUTSTANDING; i++) next();
  });
}

async function measure(mode: 'porta' | 'raw'): Promise<Run> {
  const server = spawnBench('tcp-idle-server.ts', [mode, String(COUNT)], ['--expose-gc']);
  const port = Number((await server.line((l) => l.startsWith('ready '))).slice(6));
  const begin = performance.now();
  const all = server.line((l) => l === 'all');
  const sockets = await connectAll(port);
  await all;
  const acceptMs = performance.now() - begin;
  server.send('measure');
  const figures = JSON.parse(await server.line((l) => l.startsWith('{'))) as Run & { open: number };
  await server.exited;
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  if (figures.open !== COUNT) throw new Error(`tcp-idle: ${figures.open} of ${COUNT} open`);
  return { ...figures, acceptMs };
}

export async function main(): Promise<void> {
  const modes = ['porta', 'raw'] as const;
  const runs: Record<(typeof modes)[number], Run[]> = { porta: [], raw: [] };
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) runs[mode].push(await measure(mode));
    loads.push((os.loadavg()[0] ?? 0).toFixed(1));
  }
  const med = (mode: 'porta' | 'raw', field: keyof Run) => median(runs[mode].map((r) => r[field]));
  const ratio = (field: keyof Run) => median(runs.porta.map((r, i) => r[field] / runs.raw[i]![field]));
  const figures = {
    connections: COUNT,
    rounds: ROUNDS,
    heapPerConnection: { porta: med('porta', 'heapPerConnection'), raw: med('raw', 'heapPerConnection') },
    rssPerConnection: { porta: med('porta', 'rssPerConnection'), raw: med('raw', 'rssPerConnection') },
    acceptMs: { porta: med('porta', 'acceptMs'), raw: med('raw', 'acceptMs') },
    ratios: { heap: ratio('heapPerConnection'), rss: ratio('rssPerConnection'), accept: ratio('acceptMs') },
  };
  writeFigures('tcp-idle', figures);
  const kb = (n: number) => (n / 1024).toFixed(2);
  const rows = [
    [
      'heap per connection (KiB)',
      kb(figures.heapPerConnection.porta),
      kb(figures.heapPerConnection.raw),
      figures.ratios.heap.toFixed(2),
    ],
    [
      'RSS per connection (KiB)',
      kb(figures.rssPerConnection.porta),
      kb(figures.rssPerConnection.raw),
      figures.ratios.rss.toFixed(2),
    ],
    [
      `time to open all ${COUNT.toLocaleString('en-US')} (ms)`,
      Math.round(figures.acceptMs.porta),
      Math.round(figures.acceptMs.raw),
      figures.ratios.accept.toFixed(2),
    ],
  ];
  const markdown = `## Many idle TCP connections (\`bench/tcp-idle.bench.ts\`)

${machine()}. ${COUNT.toLocaleString('en-US')} idle connections to a porta server
(\`serve(tcpTransport)\`, \`peer => peer.messages\`) and to a raw node:net echo server, each in a fresh
process; heap and RSS are the server's growth after GC divided by the connections; the open time runs
from the first connect (at most ${OUTSTANDING} outstanding) until the server has every connection (porta:
every actor \`opened\`). ${ROUNDS} rounds, servers alternated; figures are medians, ratios medians of
per-round ratios. One-minute load average after each round: ${loads.join(', ')}.

${table(['per server', 'porta', 'raw node:net', 'porta ÷ raw'], rows)}
`;
  console.log(markdown);
  writeSection('tcp-idle', markdown);
}
