// Many peers over TCP (issue 14): pipelined line echo, 256 connections × N requests × 32 B, 16 in
// flight each, with the load in a child process (bench/tcp-echo-load.ts) so this process's CPU is the
// server's. Three servers: porta (`serve(tcpTransport)` + `lines()` / `encodeLines()`), raw node:net
// writing each line, raw node:net writing each chunk's replies in one write(). Rounds interleave the
// servers (order rotated per round) and the figures are medians of per-round ratios against raw
// per-line. Knobs: BENCH_TCP_ECHO_REQUESTS (per connection, default 2000), BENCH_TCP_ECHO_ROUNDS (3),
// BENCH_TCP_ECHO_CONNECTIONS (256), BENCH_TCP_ECHO_WINDOW (16).
import net from 'node:net';
import os from 'node:os';
import { encodeLines, lines, serve } from '@porta/core';
import { tcpTransport } from '@porta/tcp';
import type { Subscription } from 'rxjs';
import { machine, median, table, writeSection } from './report.js';
import { cpuMicros, spawnBench, writeFigures } from './tcp-bench-support.js';

const REQUESTS = Number(process.env.BENCH_TCP_ECHO_REQUESTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_TCP_ECHO_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_TCP_ECHO_CONNECTIONS ?? 256);
const WINDOW = Number(process.env.BENCH_TCP_ECHO_WINDOW ?? 16);
const NL = 0x0a;

interface Server {
  readonly port: number;
  close(): Promise<void>;
}

async function portaServer(): Promise<Server> {
  let sub: Subscription | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    sub = serve(tcpTransport({ host: '127.0.0.1', port: 0, noDelay: true }), (peer) =>
      peer.messages.pipe(lines(), encodeLines()),
    ).subscribe({
      next: (e) => {
        if (e.type === 'listening') resolve(e.local.port);
      },
      error: reject,
    });
  });
  return {
    port,
    close: async () => {
      sub?.unsubscribe();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

/** Raw node:net: complete lines found per chunk; `batched` writes them in one write(), else one per line. */
async function rawServer(batched: boolean): Promise<Server> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    let rest: Buffer | undefined;
    socket.on('data', (data: Buffer) => {
      const chunk = rest === undefined ? data : Buffer.concat([rest, data]);
      rest = undefined;
      let start = 0;
      if (batched) {
        const last = chunk.lastIndexOf(NL);
        if (last >= 0) socket.write(chunk.subarray(0, last + 1));
        start = last + 1;
      } else {
        for (let at = chunk.indexOf(NL); at >= 0; at = chunk.indexOf(NL, start)) {
          socket.write(chunk.subarray(start, at + 1));
          start = at + 1;
        }
      }
      if (start < chunk.length) rest = chunk.subarray(start);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Run {
  readonly perSecond: number;
  /** Server CPU (this process, user + system) per request, µs. */
  readonly cpuPerRequest: number;
}

async function measure(start: () => Promise<Server>): Promise<Run> {
  const server = await start();
  const load = spawnBench('tcp-echo-load.ts', [
    String(server.port),
    String(CONNECTIONS),
    String(REQUESTS),
    String(WINDOW),
  ]);
  await load.line((l) => l === 'start');
  const cpuBefore = cpuMicros();
  const result = JSON.parse(await load.line((l) => l.startsWith('{'))) as { ms: number; replies: number };
  const cpu = cpuMicros() - cpuBefore;
  await load.exited;
  await server.close();
  const expected = CONNECTIONS * REQUESTS;
  if (result.replies !== expected)
    throw new Error(`tcp-echo: ${result.replies} replies, expected ${expected}`);
  return { perSecond: (expected / result.ms) * 1000, cpuPerRequest: cpu / expected };
}

const SERVERS = {
  porta: portaServer,
  rawPerLine: () => rawServer(false),
  rawBatched: () => rawServer(true),
} as const;
type Name = keyof typeof SERVERS;
const NAMES = Object.keys(SERVERS) as Name[];

export async function main(): Promise<void> {
  const runs: Record<Name, Run[]> = { porta: [], rawPerLine: [], rawBatched: [] };
  const loads: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no server always runs first (or right after the heaviest one).
    const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]!);
    for (const name of order) runs[name].push(await measure(SERVERS[name]));
    loads.push((os.loadavg()[0] ?? 0).toFixed(1));
  }
  const ratio = (a: Name, b: Name, field: keyof Run) =>
    median(runs[a].map((r, i) => r[field] / runs[b][i]![field]));
  const rate = (n: Name) => Math.round(median(runs[n].map((r) => r.perSecond)));
  const cpu = (n: Name) => median(runs[n].map((r) => r.cpuPerRequest));
  const figures = {
    requests: CONNECTIONS * REQUESTS,
    rounds: ROUNDS,
    perSecond: { porta: rate('porta'), rawPerLine: rate('rawPerLine'), rawBatched: rate('rawBatched') },
    cpuMicrosPerRequest: {
      porta: cpu('porta'),
      rawPerLine: cpu('rawPerLine'),
      rawBatched: cpu('rawBatched'),
    },
    portaToRawPerLine: ratio('porta', 'rawPerLine', 'perSecond'),
    portaToRawBatched: ratio('porta', 'rawBatched', 'perSecond'),
    rawBatchedToRawPerLine: ratio('rawBatched', 'rawPerLine', 'perSecond'),
  };
  writeFigures('tcp-echo', figures);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = [
    [
      'porta `serve(tcpTransport)` + `lines()` / `encodeLines()`',
      fmt(figures.perSecond.porta),
      cpu('porta').toFixed(2),
      figures.portaToRawPerLine.toFixed(2),
      figures.portaToRawBatched.toFixed(2),
    ],
    [
      'raw node:net, one write() per line (baseline)',
      fmt(figures.perSecond.rawPerLine),
      cpu('rawPerLine').toFixed(2),
      '1.00',
      ratio('rawPerLine', 'rawBatched', 'perSecond').toFixed(2),
    ],
    [
      "raw node:net, one write() per chunk's replies",
      fmt(figures.perSecond.rawBatched),
      cpu('rawBatched').toFixed(2),
      figures.rawBatchedToRawPerLine.toFixed(2),
      '1.00',
    ],
  ];
  const markdown = `## TCP pipelined line echo, many connections (\`bench/tcp-echo.bench.ts\`)

${machine()}. ${fmt(CONNECTIONS)} connections × ${fmt(REQUESTS)} requests of 32 bytes, ${WINDOW} in flight
on each, from a load generator in its own process (one write of the replacement lines per chunk of
replies). ${ROUNDS} rounds, the three servers interleaved (order rotated each round); rates and CPU
are medians, ratios are medians of the per-round ratios. Server CPU is this process's user + system
time from the first request to the last reply, per request. One-minute load average after each round: ${loads.join(', ')}.

${table(['server', 'requests/s', 'server CPU µs/request', 'ratio to raw per line', 'ratio to raw batched'], rows)}
`;
  console.log(markdown);
  writeSection('tcp-echo', markdown);
}
