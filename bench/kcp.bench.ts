// KCP tunnels through a lossy path: porta↔porta against Debian's kcptun↔kcptun, side by side.
//   npm run bench -- kcp
//
// Topology, on loopback, for each pair:
//   TCP client ─ tunnel client ─ UDP: impairment proxy (loss L, 20 ms each way) ─ tunnel server ─ TCP target
// The TCP client, the target and the proxy live in this process and are the same for every pair;
// each tunnel end is its own process, so its CPU time is read from /proc apart from everything else.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { endpoint } from '@porta/core';
import { impairmentProxy } from '@porta/reliability';
import { bindUdp } from '@porta/udp';
import type { Subscription } from 'rxjs';
import { machine, median, table, writeSection } from './report.js';

const MiB = 1024 * 1024;
const DELAY_MS = 20;
// Knobs for a short run (the defaults are the full table):
//   KCP_BENCH_LOSS=0.1 KCP_BENCH_ROUNDS=1 npm run bench -- kcp
const LOSSES = (process.env.KCP_BENCH_LOSS ?? '0,0.1,0.3').split(',').map(Number);
const ROUNDS = Number(process.env.KCP_BENCH_ROUNDS ?? 3);
const REQUESTS = 100;
const CLI = new URL('../examples/dist/cli.js', import.meta.url).pathname;
const COMMON = ['--crypt', 'none', '--nocomp', '--ds', '0', '--ps', '0', '--mode', 'fast', '--smuxver', '1'];

export interface Pair {
  readonly name: string;
  readonly client: (local: number, remote: number) => [string, string[]];
  readonly server: (listen: number, target: number) => [string, string[]];
}

/** porta's tunnel (the CLI at `cli`, default this checkout's) on both ends, with kcptun flags `flags`. */
export const portaPair = (rto: 'kcp' | 'rfc6298', flags = COMMON, name?: string, cli = CLI): Pair => ({
  name: name ?? (rto === 'kcp' ? 'porta ↔ porta (KCP RTO)' : 'porta ↔ porta (RFC 6298 RTO)'),
  client: (l, r) => [
    process.execPath,
    [cli, 'kcp-tunnel', 'client', '-l', `127.0.0.1:${l}`, '-r', `127.0.0.1:${r}`, ...flags, '--rto', rto],
  ],
  server: (l, t) => [
    process.execPath,
    [cli, 'kcp-tunnel', 'server', '-l', `127.0.0.1:${l}`, '-t', `127.0.0.1:${t}`, ...flags, '--rto', rto],
  ],
});
/** Debian's kcptun on both ends, with `flags`. */
export const kcptunPair = (flags = COMMON, name = 'kcptun ↔ kcptun'): Pair => ({
  name,
  client: (l, r) => ['kcptun-client', ['-l', `127.0.0.1:${l}`, '-r', `127.0.0.1:${r}`, ...flags, '--quiet']],
  server: (l, t) => ['kcptun-server', ['-l', `127.0.0.1:${l}`, '-t', `127.0.0.1:${t}`, ...flags, '--quiet']],
});
const porta = (rto: 'kcp' | 'rfc6298'): Pair => portaPair(rto);
const kcptun = kcptunPair();

/**
 * CPU time of a process so far, in ms: the sum over its threads of the time they ran, from
 * /proc/PID/task/TID/schedstat (nanoseconds; /proc/PID/stat counts 10 ms ticks, too coarse for a
 * MiB that costs kcptun ~25 ms a side). Node's and Go's threads live as long as the process.
 */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6;
}

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    return port;
  }
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function startChild([command, args]: [string, string[]]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      if (/listening on/.test(seen)) resolve(child);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('error', reject);
    setTimeout(() => reject(new Error(`${command} did not start: ${seen}`)), 60_000).unref();
  });
}

/**
 * The target: for a connection whose first byte is 'B', counts bytes and answers one byte once 1 MiB
 * arrived; whose first byte is 'S', the same once the byte count in its next 4 bytes (big-endian)
 * arrived; otherwise echoes (request/response).
 */
function target(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let mode: 'bulk' | 'echo' | undefined;
    let got = 0;
    let head = Buffer.alloc(0);
    let expected = MiB;
    socket.on('data', (chunk) => {
      mode ??= chunk[0] === 0x42 || chunk[0] === 0x53 ? 'bulk' : 'echo';
      if (mode === 'echo') {
        socket.write(chunk);
        return;
      }
      if (got < 5) head = Buffer.concat([head, chunk.subarray(0, 5 - got)]);
      got += chunk.length;
      if (head.length === 5 && head[0] === 0x53) expected = head.readUInt32BE(1);
      if (got >= expected && head.length === 5) socket.write('!');
    });
    socket.on('error', () => {});
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as { port: number }).port })),
  );
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** ms to move `payload` (default 1 MiB of one byte) `times` times over one connection, until the target's answer. */
async function bulk(port: number, payload?: Uint8Array, times = 1): Promise<number> {
  const socket = await connected(port);
  const data = payload ? Buffer.from(payload) : Buffer.alloc(MiB, 7);
  const first = Buffer.from(data);
  if (times === 1) first[0] = 0x42;
  else {
    first[0] = 0x53;
    first.writeUInt32BE(data.length * times, 1);
  }
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
    socket.write(first);
    for (let i = 1; i < times; i++) socket.write(data);
  });
  const ms = performance.now() - started;
  socket.destroy();
  return ms;
}

async function requestResponse(port: number): Promise<number[]> {
  const socket = await connected(port);
  const latencies: number[] = [];
  const request = Buffer.alloc(64, 0x61);
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (chunk: Buffer) => {
        got += chunk.length;
        if (got >= request.length) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(request);
    });
    latencies.push(performance.now() - started);
  }
  socket.destroy();
  return latencies;
}

export interface Result {
  /** The second 1 MiB (the tunnel is warm: JIT done, windows open). */
  readonly bulkMs: number;
  readonly cpuMsPerMiB: number;
  /** The first 1 MiB after the session opened: what a short-lived tunnel pays (porta's JIT warms up). */
  readonly coldCpuMsPerMiB: number;
  readonly latencies: number[];
  /** With `steady`: the same session after the warm-up, over `steady.mib` MiB. */
  readonly steady?: { readonly bulkMs: number; readonly cpuMsPerMiB: number };
}

/** A steady-state figure: after the two MiB, `warmMiB` more in one transfer, then `mib` measured in one. */
export interface Steady {
  readonly warmMiB: number;
  readonly mib: number;
}

/**
 * One run of `pair` through `lossRate`: 1 MiB of `payload` (default 1 MiB of one byte) twice, then,
 * with `steady`, the warm-up and the measured volume (whole copies of `payload`).
 */
export async function measure(
  pair: Pair,
  lossRate: number,
  seed: number,
  payload?: Uint8Array,
  steady?: Steady,
): Promise<Result> {
  const { server: tcpTarget, port: targetPort } = await target();
  const kcpPort = await freePort('udp');
  const tunnelServer = await startChild(pair.server(kcpPort, targetPort));
  const proxyPort = await new Promise<number>((resolve, reject) => {
    subscription = impairmentProxy({
      bind: bindUdp,
      target: endpoint('127.0.0.1', kcpPort),
      lossRate,
      delayMs: DELAY_MS,
      seed,
    }).subscribe({ next: (p) => resolve(p.local.port), error: reject });
  });
  const localPort = await freePort('tcp');
  const tunnelClient = await startChild(pair.client(localPort, proxyPort));
  try {
    const cpu = () => cpuMs(tunnelClient.pid as number) + cpuMs(tunnelServer.pid as number);
    await requestResponse(localPort).catch(() => []); // opens the KCP session
    const cold = cpu();
    await bulk(localPort, payload);
    const warm = cpu();
    const bulkMs = await bulk(localPort, payload);
    const after = cpu();
    let steadyResult: Result['steady'];
    if (steady) {
      if (steady.warmMiB > 0) await bulk(localPort, payload, steady.warmMiB);
      const before = cpu();
      const ms = await bulk(localPort, payload, steady.mib);
      steadyResult = { bulkMs: ms / steady.mib, cpuMsPerMiB: (cpu() - before) / steady.mib };
    }
    const latencies = await requestResponse(localPort);
    return {
      bulkMs,
      cpuMsPerMiB: after - warm,
      coldCpuMsPerMiB: warm - cold,
      latencies,
      ...(steadyResult ? { steady: steadyResult } : {}),
    };
  } finally {
    tunnelClient.kill('SIGKILL');
    tunnelServer.kill('SIGKILL');
    subscription?.unsubscribe();
    await new Promise((r) => tcpTarget.close(r));
  }
}
let subscription: Subscription | undefined;

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

export async function main(): Promise<void> {
  const pairs = [kcptun, porta('kcp'), porta('rfc6298')];
  const rows: (string | number)[][] = [];
  for (const loss of LOSSES) {
    const results = new Map<string, Result[]>(pairs.map((p) => [p.name, []]));
    // Interleaved rounds: each round runs every pair once, so a load spike hits them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs) {
        const r = await measure(pair, loss, 100 + round);
        results.get(pair.name)?.push(r);
        console.error(
          `${pair.name} loss ${loss} round ${round}: ${r.bulkMs.toFixed(0)} ms, cpu ${r.cpuMsPerMiB.toFixed(0)} ms (cold ${r.coldCpuMsPerMiB.toFixed(0)} ms)`,
        );
      }
    }
    const base = median((results.get(kcptun.name) ?? []).map((r) => r.bulkMs));
    const baseCpu = median((results.get(kcptun.name) ?? []).map((r) => r.cpuMsPerMiB));
    const baseCold = median((results.get(kcptun.name) ?? []).map((r) => r.coldCpuMsPerMiB));
    for (const pair of pairs) {
      const rs = results.get(pair.name) ?? [];
      const bulkMs = median(rs.map((r) => r.bulkMs));
      const cpu = median(rs.map((r) => r.cpuMsPerMiB));
      const cold = median(rs.map((r) => r.coldCpuMsPerMiB));
      const all = rs.flatMap((r) => r.latencies);
      rows.push([
        `${loss * 100}%`,
        pair.name,
        (MiB / 1024 / (bulkMs / 1000)).toFixed(0),
        (base / bulkMs).toFixed(2),
        quantile(all, 0.5).toFixed(0),
        quantile(all, 0.99).toFixed(0),
        cpu.toFixed(0),
        baseCpu > 0 ? (cpu / baseCpu).toFixed(2) : '—',
        cold.toFixed(0),
        baseCold > 0 ? (cold / baseCold).toFixed(2) : '—',
      ]);
    }
  }
  const markdown = [
    `${machine()}`,
    '',
    `Through one TCP connection per tunnel: ${REQUESTS} 64-byte requests (opens the session), 1 MiB one way`,
    `(cold), 1 MiB again (goodput, CPU), then ${REQUESTS} sequential 64-byte requests echoed (latency). UDP through`,
    `porta's impairment proxy with the loss below each way and ${DELAY_MS} ms each way;`,
    `\`--mode fast --smuxver 1 --crypt none --nocomp --ds 0 --ps 0\`; medians of ${ROUNDS} interleaved rounds`,
    '(goodput, CPU) and quantiles over every request of every round (latency). CPU: time both tunnel',
    'processes ran (every thread, /proc schedstat) during a 1 MiB transfer; cold = the first MiB, while',
    "porta's JIT is still compiling the path.",
    '',
    table(
      [
        'loss',
        'pair',
        'goodput (KiB/s)',
        'goodput vs kcptun',
        'request p50 (ms)',
        'request p99 (ms)',
        'CPU ms per MiB',
        'CPU vs kcptun',
        'cold CPU ms per MiB',
        'cold CPU vs kcptun',
      ],
      rows,
    ),
  ].join('\n');
  console.log(markdown);
  writeSection('kcp', markdown);
}
