// UDP echo under many peers (issue 14): 64 clients × 8 datagrams in flight, served by porta
// (`serve(udpTransport)`, one actor per client; with and without an idle timeout) and by raw
// node:dgram. Each server is its own process (bench/udpPeersServer.ts) so its CPU per reply is its
// own; the load comes from one more process (bench/udpPeersLoad.ts). Every round runs each server
// once, in an order rotated per round so none always goes first; the figures are medians over the
// rounds, and the ratios medians of the per-round (porta ÷ raw) pairs. Knobs: BENCH_UDP_PEERS_MS
// (per run, default 1500), BENCH_UDP_PEERS_ROUNDS (default 7), BENCH_PHASE (docs/many-peers label).
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type ManyPeersRow, manyPeersPhase, recordManyPeers } from './manyPeers.js';
import { machine, median, table, writeSection } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MS = Number(process.env.BENCH_UDP_PEERS_MS ?? 1_500);
const ROUNDS = Number(process.env.BENCH_UDP_PEERS_ROUNDS ?? 7);
const CLIENTS = 64;
const WINDOW = 8;
const KINDS = ['raw', 'porta', 'porta-idle'] as const;
type Kind = (typeof KINDS)[number];
const LABELS: Record<Kind, string> = {
  raw: 'raw node:dgram echo',
  porta: 'porta serve(udpTransport), echo behaviour',
  'porta-idle': 'porta, idleTimeoutMs: 30 s',
};

interface ServerCounts {
  readonly replies: number;
  readonly cpuUs: number;
  readonly dropped: number;
  readonly rejected: number;
}
interface LoadResult {
  readonly replies: number;
  readonly ms: number;
  readonly lost: number;
}

function child(script: string, args: readonly string[]): ChildProcess {
  return fork(`${here}${script}`, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const nextMessage = <T>(c: ChildProcess) => once(c, 'message').then(([m]) => m as T);

async function measure(server: ChildProcess, port: number, load: ChildProcess) {
  server.send('start');
  load.send({ port, clients: CLIENTS, window: WINDOW, ms: MS });
  const l = await nextMessage<LoadResult>(load);
  server.send('stop');
  const s = await nextMessage<ServerCounts>(server);
  return {
    perSecond: (l.replies / l.ms) * 1000,
    cpuPerReplyUs: s.cpuUs / Math.max(1, s.replies),
    lost: l.lost,
    s,
  };
}

export async function main(): Promise<void> {
  const load = child('udpPeersLoad.ts', []);
  await nextMessage<string>(load);
  const servers = await Promise.all(
    KINDS.map(async (kind) => {
      const c = child('udpPeersServer.ts', [kind]);
      const { port } = await nextMessage<{ port: number }>(c);
      return { kind, c, port };
    }),
  );
  const rate = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  const cpu = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  const pairs = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  const cpuPairs = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  let lost = 0;
  let dropped = 0;
  // Round 0 warms every server's JIT and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const got = new Map<Kind, { perSecond: number; cpuPerReplyUs: number }>();
    for (let i = 0; i < servers.length; i++) {
      const { kind, c, port } = servers[(i + round) % servers.length]!;
      const m = await measure(c, port, load);
      got.set(kind, m);
      if (round > 0) {
        lost += m.lost;
        dropped += m.s.dropped + m.s.rejected;
      }
    }
    if (round === 0) continue;
    const raw = got.get('raw')!;
    for (const kind of KINDS) {
      const m = got.get(kind)!;
      rate.get(kind)!.push(m.perSecond);
      cpu.get(kind)!.push(m.cpuPerReplyUs);
      pairs.get(kind)!.push(m.perSecond / raw.perSecond);
      cpuPairs.get(kind)!.push(raw.cpuPerReplyUs / m.cpuPerReplyUs);
    }
  }
  for (const { c } of servers) c.send('exit');
  load.send('exit');
  await Promise.all([...servers.map(({ c }) => once(c, 'exit')), once(load, 'exit')]);

  const rows = KINDS.map((kind) => [
    LABELS[kind],
    Math.round(median(rate.get(kind)!)).toLocaleString('en'),
    median(cpu.get(kind)!).toFixed(2),
    median(pairs.get(kind)!).toFixed(2),
    median(cpuPairs.get(kind)!).toFixed(2),
    `${Math.min(...pairs.get(kind)!).toFixed(2)}–${Math.max(...pairs.get(kind)!).toFixed(2)}`,
  ]);
  const result = table(
    [
      `UDP echo, ${CLIENTS} clients × ${WINDOW} in flight, 64 B`,
      'replies/s (median)',
      'server CPU µs/reply',
      'req/s ÷ raw',
      'raw CPU ÷ this CPU',
      'req/s ÷ raw, range',
    ],
    rows,
  );
  console.log(result);
  console.log(`datagrams lost on loopback: ${lost}; dropped or rejected by porta: ${dropped}`);
  // Two rows per porta server: replies/s (which, on a loaded machine, says as much about the
  // scheduler as about the server) and CPU per reply (raw's ÷ porta's: the server's own cost).
  const manyRows: ManyPeersRow[] = (['porta', 'porta-idle'] as const).flatMap((kind) => {
    const name = kind === 'porta' ? 'UDP echo 64×8' : 'UDP echo 64×8 + idle timeout';
    const facts = {
      portaPerSecond: Math.round(median(rate.get(kind)!)),
      rawPerSecond: Math.round(median(rate.get('raw')!)),
      portaCpuUsPerReply: Number(median(cpu.get(kind)!).toFixed(3)),
      rawCpuUsPerReply: Number(median(cpu.get('raw')!).toFixed(3)),
    };
    return [
      { label: `${name}, req/s`, ratio: Number(median(pairs.get(kind)!).toFixed(3)), ...facts },
      {
        label: `${name}, CPU per reply (raw ÷ porta)`,
        ratio: Number(median(cpuPairs.get(kind)!).toFixed(3)),
        ...facts,
      },
    ];
  });
  recordManyPeers('udp-peers', ROUNDS, manyRows);
  writeSection(
    'udp-peers',
    `## UDP echo, many peers (\`bench/udp-peers.bench.ts\`, phase \`${manyPeersPhase()}\`)

${machine()}. ${CLIENTS} client sockets in one load process, each keeping ${WINDOW} 64-byte datagrams in
flight to a server process on 127.0.0.1 (a new datagram per reply); each server is its own process,
so its CPU (user + system, \`process.cpuUsage\`) per reply is its own. ${ROUNDS} rounds of ${MS} ms per
server after a warm-up round; each round runs the three servers in a rotated order. Rates and CPU are
medians over rounds; the ratios are medians of the per-round pairs (porta ÷ raw in the same round), so
a load burst hits both sides of a pair alike. Target (issue 14): ≥ 0.9× raw, with and without an idle
timeout. Datagrams lost on loopback: ${lost}; dropped or rejected by porta: ${dropped}.

${result}`,
  );
}
