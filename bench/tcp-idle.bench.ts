// Many idle TCP connections (issue 14): COUNT (default 5,000) connections held open against a porta
// server (`serve(tcpTransport)`, `peer => peer.messages`) and a raw node:net echo server, each server
// in a fresh process (bench/tcp-idle-server.ts) so its heap holds nothing else. Measured: heap and
// RSS growth per connection after GC, and the time from the first connect until the server has
// every connection open (porta: every actor `opened`). This process is the client, at most 256
// connects outstanding. Rounds interleave the servers; ratios are medians of per-round ratios.
// Knobs: BENCH_TCP_IDLE_COUNT (5000), BENCH_TCP_IDLE_ROUNDS (3). Needs `ulimit -n` ≥ COUNT + 100.
// BENCH_TCP_IDLE_BASELINE=<another checkout, built> adds that checkout's porta server to the same
// rounds and prints this porta ÷ that one (to judge a change against the noise of the machine).
import net from 'node:net';
import os from 'node:os';
import { machine, median, table, writeSection } from './report.js';
import { type BenchChild, spawnBench, writeFigures } from './tcp-bench-support.js';

const COUNT = Number(process.env.BENCH_TCP_IDLE_COUNT ?? 5_000);
const ROUNDS = Number(process.env.BENCH_TCP_IDLE_ROUNDS ?? 3);
const OUTSTANDING = 256;

interface Run {
  readonly heapPerConnection: number;
  readonly rssPerConnection: number;
  readonly acceptMs: number;
  /** The server's CPU (user + system) from `ready` until every connection is open, per connection. */
  readonly acceptCpuUs: number;
  /** The same two for COUNT more connections once the first COUNT have closed (warm code). */
  readonly warmAcceptMs: number;
  readonly warmAcceptCpuUs: number;
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

const BASELINE = process.env.BENCH_TCP_IDLE_BASELINE;
type Mode = 'porta' | 'raw' | 'baseline';

/** Opens COUNT connections to `server`: the sockets, the time until it has them all, its CPU per connection. */
async function openAll(server: BenchChild, port: number) {
  const begin = performance.now();
  const all = server.line((l) => l.startsWith('all'));
  const sockets = await connectAll(port);
  const cpuUs = Number((await all).slice(4)) / COUNT;
  return { sockets, ms: performance.now() - begin, cpuUs };
}

async function measure(mode: Mode): Promise<Run> {
  const server =
    mode === 'baseline'
      ? spawnBench(`${BASELINE}/bench/tcp-idle-server.ts`, ['porta', String(COUNT)], ['--expose-gc'])
      : spawnBench('tcp-idle-server.ts', [mode, String(COUNT)], ['--expose-gc']);
  const port = Number((await server.line((l) => l.startsWith('ready '))).slice(6));
  const cold = await openAll(server, port);
  server.send('measure');
  const figures = JSON.parse(await server.line((l) => l.startsWith('{'))) as Run & { open: number };
  if (figures.open !== COUNT) throw new Error(`tcp-idle: ${figures.open} of ${COUNT} open`);
  // Warm: all closed, then as many again, the server's code already compiled and its heap grown.
  const empty = server.line((l) => l === 'empty');
  for (const s of cold.sockets) s.destroy();
  await empty;
  const warm = await openAll(server, port);
  server.send('exit');
  await server.exited;
  for (const s of warm.sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  return {
    ...figures,
    acceptMs: cold.ms,
    acceptCpuUs: cold.cpuUs,
    warmAcceptMs: warm.ms,
    warmAcceptCpuUs: warm.cpuUs,
  };
}

export async function main(): Promise<void> {
  const modes: Mode[] = BASELINE === undefined ? ['porta', 'raw'] : ['porta', 'raw', 'baseline'];
  const runs: Record<Mode, Run[]> = { porta: [], raw: [], baseline: [] };
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated per round, so no server always goes first.
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(i + round) % modes.length]!;
      runs[mode].push(await measure(mode));
    }
    loads.push((os.loadavg()[0] ?? 0).toFixed(1));
  }
  const med = (mode: Mode, field: keyof Run) => median(runs[mode].map((r) => r[field]));
  const ratio = (field: keyof Run, over: Mode = 'raw') =>
    median(runs.porta.map((r, i) => r[field] / runs[over][i]![field]));
  const figures = {
    connections: COUNT,
    rounds: ROUNDS,
    heapPerConnection: { porta: med('porta', 'heapPerConnection'), raw: med('raw', 'heapPerConnection') },
    rssPerConnection: { porta: med('porta', 'rssPerConnection'), raw: med('raw', 'rssPerConnection') },
    acceptMs: { porta: med('porta', 'acceptMs'), raw: med('raw', 'acceptMs') },
    acceptCpuUs: { porta: med('porta', 'acceptCpuUs'), raw: med('raw', 'acceptCpuUs') },
    warmAcceptMs: { porta: med('porta', 'warmAcceptMs'), raw: med('raw', 'warmAcceptMs') },
    warmAcceptCpuUs: { porta: med('porta', 'warmAcceptCpuUs'), raw: med('raw', 'warmAcceptCpuUs') },
    ratios: {
      heap: ratio('heapPerConnection'),
      rss: ratio('rssPerConnection'),
      accept: ratio('acceptMs'),
      acceptCpu: ratio('acceptCpuUs'),
      warmAccept: ratio('warmAcceptMs'),
      warmAcceptCpu: ratio('warmAcceptCpuUs'),
    },
  };
  writeFigures('tcp-idle', figures);
  const kb = (n: number) => (n / 1024).toFixed(2);
  const ms = (n: number) => Math.round(n);
  const us = (n: number) => n.toFixed(1);
  const row = (
    label: string,
    pair: { porta: number; raw: number },
    ratio: number,
    show: (n: number) => string | number,
  ) => [label, show(pair.porta), show(pair.raw), ratio.toFixed(2)];
  const n = COUNT.toLocaleString('en-US');
  const rows = [
    row('heap per connection (KiB)', figures.heapPerConnection, figures.ratios.heap, kb),
    row('RSS per connection (KiB)', figures.rssPerConnection, figures.ratios.rss, kb),
    row(`time to open all ${n} (ms)`, figures.acceptMs, figures.ratios.accept, ms),
    row('server CPU per connection while opening (µs)', figures.acceptCpuUs, figures.ratios.acceptCpu, us),
    row(`warm: time to open ${n} more (ms)`, figures.warmAcceptMs, figures.ratios.warmAccept, ms),
    row(
      'warm: server CPU per connection while opening (µs)',
      figures.warmAcceptCpuUs,
      figures.ratios.warmAcceptCpu,
      us,
    ),
  ];
  const markdown = `## Many idle TCP connections (\`bench/tcp-idle.bench.ts\`)

${machine()}. ${COUNT.toLocaleString('en-US')} idle connections to a porta server
(\`serve(tcpTransport)\`, \`peer => peer.messages\`) and to a raw node:net echo server, each in a fresh
process; heap and RSS are the server's growth after GC divided by the connections; the open time runs
from the first connect (at most ${OUTSTANDING} outstanding) until the server has every connection (porta:
every actor \`opened\`), and the server's CPU (user + system, every thread of the process) over that
time is divided by the connections. Those two are measured twice in each server process: from its
start (cold: V8 still interprets and compiles the code on the path) and once all have closed, for as
many again (warm). ${ROUNDS} rounds, servers alternated; figures are medians, ratios medians of
per-round ratios. One-minute load average after each round: ${loads.join(', ')}.

${table(['per server', 'porta', 'raw node:net', 'porta ÷ raw'], rows)}
`;
  console.log(markdown);
  if (BASELINE !== undefined) {
    const fields: (keyof Run)[] = [
      'heapPerConnection',
      'rssPerConnection',
      'acceptMs',
      'acceptCpuUs',
      'warmAcceptMs',
      'warmAcceptCpuUs',
    ];
    console.log(
      table(
        ['this porta ÷ baseline porta (median of per-round pairs)', ...fields],
        [['', ...fields.map((f) => ratio(f, 'baseline').toFixed(3))]],
      ),
    );
  }
  writeSection('tcp-idle', markdown);
}
