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
import { spawnBench, writeFigures } from './tcp-bench-support.js';

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

async function measure(mode: Mode): Promise<Run> {
  const server =
    mode === 'baseline'
      ? spawnBench(`${BASELINE}/bench/tcp-idle-server.ts`, ['porta', String(COUNT)], ['--expose-gc'])
      : spawnBench('tcp-idle-server.ts', [mode, String(COUNT)], ['--expose-gc']);
  const port = Number((await server.line((l) => l.startsWith('ready '))).slice(6));
  const begin = performance.now();
  const all = server.line((l) => l.startsWith('all'));
  const sockets = await connectAll(port);
  const acceptCpuUs = Number((await all).slice(4)) / COUNT;
  const acceptMs = performance.now() - begin;
  server.send('measure');
  const figures = JSON.parse(await server.line((l) => l.startsWith('{'))) as Run & { open: number };
  if (figures.open !== COUNT) throw new Error(`tcp-idle: ${figures.open} of ${COUNT} open`);
  // Warm: all closed, then as many again, the server's code already compiled and its heap grown.
  const empty = server.line((l) => l === 'empty');
  for (const s of sockets) s.destroy();
  await empty;
  const warmBegin = performance.now();
  const warmAll = server.line((l) => l.startsWith('all'));
  const again = await connectAll(port);
  const warmAcceptCpuUs = Number((await warmAll).slice(4)) / COUNT;
  const warmAcceptMs = performance.now() - warmBegin;
  server.send('exit');
  await server.exited;
  for (const s of again) s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  return { ...figures, acceptMs, acceptCpuUs, warmAcceptMs, warmAcceptCpuUs };
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
    [
      'server CPU per connection while opening (µs)',
      figures.acceptCpuUs.porta.toFixed(1),
      figures.acceptCpuUs.raw.toFixed(1),
      figures.ratios.acceptCpu.toFixed(2),
    ],
    [
      `warm: time to open ${COUNT.toLocaleString('en-US')} more (ms)`,
      Math.round(figures.warmAcceptMs.porta),
      Math.round(figures.warmAcceptMs.raw),
      figures.ratios.warmAccept.toFixed(2),
    ],
    [
      'warm: server CPU per connection while opening (µs)',
      figures.warmAcceptCpuUs.porta.toFixed(1),
      figures.warmAcceptCpuUs.raw.toFixed(1),
      figures.ratios.warmAcceptCpu.toFixed(2),
    ],
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
