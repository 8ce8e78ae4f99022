// TCP throughput through porta vs raw node:net (both with length-prefixed framing), and memory under a
// slow consumer with and without porta's backpressured receive, with iperf3 on loopback as the physical
// limit when it is installed (bench/install-tools.sh). Run: npm run bench -- transport-tcp
import { execFile } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { encodeLengthPrefixed, lengthField } from '@porta/core';
import { connectTcp, listenTcp, type TcpConnection } from '@porta/tcp';
import { concatMap, lastValueFrom, map, type ObservableInput, Subscription, timer } from 'rxjs';
import { iperf3Throughput } from './reference-tools.js';
import { machine, median, table, writeSection } from './report.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const FRAME = 64 * KiB;
// 2 GiB per run is the figure; on the shared 2-core machine the noise between runs is larger than
// the difference being measured, so the default is more, shorter runs (5 × 512 MiB per path, alternating
// order) and the median. PORTA_BENCH_TCP_BYTES=2147483648 restores 2 GiB runs.
const TOTAL = Number(process.env.PORTA_BENCH_TCP_BYTES ?? 512 * MiB);
const ROUNDS = Number(process.env.PORTA_BENCH_TCP_ROUNDS ?? 5);
const PAYLOAD = new Uint8Array(FRAME).map((_, i) => i % 251);

interface Run {
  readonly seconds: number;
  /** CPU time (user + system) of the whole process, both ends: less sensitive to other load than wall time. */
  readonly cpuSeconds: number;
  readonly frames: number;
}

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const now = () => performance.now() / 1000;

/** Raw node:net: hand-written 4-byte big-endian length prefix, write() until false, then 'drain'. */
async function rawRun(total: number): Promise<Run> {
  const frames = total / FRAME;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const received = new Promise<number>((resolve, reject) => {
    server.once('connection', (socket) => {
      // Hand-written decoder: chunks kept in a list; copy only when a header or body spans chunks.
      const chunks: Buffer[] = [];
      let buffered = 0;
      let need = -1;
      let count = 0;
      const take = (n: number): Buffer => {
        const first = chunks[0]!;
        if (first.length >= n) {
          const out = first.subarray(0, n);
          if (first.length === n) chunks.shift();
          else chunks[0] = first.subarray(n);
          buffered -= n;
          return out;
        }
        const out = Buffer.allocUnsafe(n);
        let at = 0;
        while (at < n) {
          const c = chunks[0]!;
          const k = Math.min(c.length, n - at);
          c.copy(out, at, 0, k);
          at += k;
          if (k === c.length) chunks.shift();
          else chunks[0] = c.subarray(k);
        }
        buffered -= n;
        return out;
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        buffered += chunk.length;
        for (;;) {
          if (need < 0) {
            if (buffered < 4) break;
            need = take(4).readUInt32BE(0);
          }
          if (buffered < need) break;
          take(need);
          need = -1;
          count++;
        }
      });
      socket.on('end', () => {
        socket.end();
        resolve(count);
      });
      socket.on('error', reject);
    });
  });
  const start = now();
  const cpuStart = cpuNow();
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < frames) {
        const frame = Buffer.allocUnsafe(4 + FRAME);
        frame.writeUInt32BE(FRAME, 0);
        frame.set(PAYLOAD, 4);
        sent++;
        if (!client.write(frame)) {
          client.once('drain', pump);
          return;
        }
      }
      resolve();
    };
    pump();
  });
  client.end();
  const count = await received;
  const seconds = now() - start;
  const cpuSeconds = cpuNow() - cpuStart;
  client.destroy();
  await new Promise((r) => server.close(r));
  if (count !== frames) throw new Error(`raw: ${count} frames of ${frames}`);
  return { seconds, cpuSeconds, frames: count };
}

/** porta: listenTcp/connectTcp, sendAll pulling frames encoded as prependLength does, lengthField decoding. */
async function portaRun(total: number): Promise<Run> {
  const frames = total / FRAME;
  const subs = new Subscription();
  const listener = await new Promise<{ port: number; accepted: Promise<TcpConnection> }>(
    (resolve, reject) => {
      subs.add(
        listenTcp().subscribe({
          next: (l) =>
            resolve({
              port: l.local.port,
              accepted: new Promise<TcpConnection>((r) => subs.add(l.connections.subscribe(r))),
            }),
          error: reject,
        }),
      );
    },
  );
  const start = now();
  const cpuStart = cpuNow();
  const client = await new Promise<TcpConnection>((resolve, reject) =>
    subs.add(
      connectTcp({ host: '127.0.0.1', port: listener.port }).subscribe({ next: resolve, error: reject }),
    ),
  );
  const server = await listener.accepted;
  let count = 0;
  const received = new Promise<void>((resolve, reject) =>
    server.bytes.pipe(lengthField()).subscribe({ next: () => count++, error: reject, complete: resolve }),
  );
  function* encoded() {
    // prependLength() applies a LengthFieldEncoder per frame; a pulled source applies the same encoder.
    for (let i = 0; i < frames; i++) yield encodeLengthPrefixed(PAYLOAD);
  }
  await lastValueFrom(client.sendAll(encoded()));
  client.end();
  await received;
  const seconds = now() - start;
  const cpuSeconds = cpuNow() - cpuStart;
  subs.unsubscribe();
  if (count !== frames) throw new Error(`porta: ${count} frames of ${frames}`);
  return { seconds, cpuSeconds, frames: count };
}

interface MemoryRun {
  readonly peakRssDeltaMiB: number;
  readonly peakQueuedKiB: number | undefined;
  readonly seconds: number;
}

/** Sends `total` bytes to a consumer that yields to the event loop per chunk and sleeps 1 ms per 256 KiB. */
async function slowConsumerRun(
  total: number,
  mode: 'receive' | 'naive',
  highWaterMark: number,
): Promise<MemoryRun> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const subs = new Subscription();
  const start = now();
  const listener = await new Promise<{ port: number; accepted: Promise<TcpConnection> }>((resolve) => {
    subs.add(
      listenTcp().subscribe((l) =>
        resolve({
          port: l.local.port,
          accepted: new Promise<TcpConnection>((r) => subs.add(l.connections.subscribe(r))),
        }),
      ),
    );
  });
  const client = await new Promise<TcpConnection>((resolve) =>
    subs.add(connectTcp({ host: '127.0.0.1', port: listener.port }).subscribe(resolve)),
  );
  const server = await listener.accepted;
  let received = 0;
  let nextSleep = 256 * KiB;
  const handle = (chunk: Uint8Array): ObservableInput<void> => {
    received += chunk.length;
    if (received >= nextSleep) {
      nextSleep += 256 * KiB;
      return timer(1).pipe(map(() => undefined));
    }
    return new Promise<void>((r) => setImmediate(r));
  };
  const consumed =
    mode === 'receive'
      ? lastValueFrom(server.receive(handle, { highWaterMark }), { defaultValue: undefined })
      : // What a plain RxJS pipeline does: concatMap queues every chunk the socket delivers.
        lastValueFrom(server.bytes.pipe(concatMap(handle)), { defaultValue: undefined });
  function* chunks() {
    for (let sent = 0; sent < total; sent += FRAME) yield PAYLOAD;
  }
  await lastValueFrom(client.sendAll(chunks()));
  client.end();
  await consumed;
  const seconds = now() - start;
  clearInterval(sampler);
  const peakQueued = server.stats.peakQueuedBytes;
  subs.unsubscribe();
  if (received !== total) throw new Error(`${mode}: received ${received} of ${total}`);
  return {
    peakRssDeltaMiB: (peak - baseline) / MiB,
    peakQueuedKiB: mode === 'receive' ? peakQueued / KiB : undefined,
    seconds,
  };
}

const SLOW_TOTAL = 256 * MiB;
const SLOW_HIGH_WATER = 1 * MiB;

/** Runs {@link slowConsumerRun} in a new Node process (same flags, this file) and reads its result. */
function inChildProcess(mode: 'receive' | 'naive'): Promise<MemoryRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url)],
      { env: { ...process.env, PORTA_BENCH_SLOW_CONSUMER: mode }, timeout: 120_000 },
      (err, stdout) =>
        err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as MemoryRun),
    );
  });
}

const slowMode = process.env.PORTA_BENCH_SLOW_CONSUMER;
if (slowMode === 'receive' || slowMode === 'naive') {
  const run = await slowConsumerRun(SLOW_TOTAL, slowMode, SLOW_HIGH_WATER);
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

const gbps = (r: Run) => (r.frames * (FRAME + 4)) / r.seconds / 1e9;
const cpuPerGiB = (r: Run) => r.cpuSeconds / ((r.frames * (FRAME + 4)) / GiB);

export async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? 0;
  // Each memory run in a fresh process of its own: an earlier run's freed heap pages would hide RSS growth.
  const withReceive = await inChildProcess('receive');
  const naive = await inChildProcess('naive');

  const raws: Run[] = [];
  const portas: Run[] = [];
  await rawRun(64 * MiB); // warm-up, both paths
  await portaRun(64 * MiB);
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first so a drift in the machine's load does not favour one side.
    if (i % 2 === 0) {
      raws.push(await rawRun(TOTAL));
      portas.push(await portaRun(TOTAL));
    } else {
      portas.push(await portaRun(TOTAL));
      raws.push(await rawRun(TOTAL));
    }
  }
  const raw = median(raws.map(gbps));
  const porta = median(portas.map(gbps));
  const ratio = porta / raw;
  const pairRatios = portas.map((p, i) => gbps(p) / gbps(raws[i]!));
  const rawCpu = median(raws.map(cpuPerGiB));
  const portaCpu = median(portas.map(cpuPerGiB));
  // iperf3 runs about as long as porta's runs took together (iperf3's -t takes whole seconds).
  const iperfSeconds = Math.min(10, Math.max(2, Math.round(portas.reduce((s, r) => s + r.seconds, 0))));
  const iperf = await iperf3Throughput(iperfSeconds);
  const limit = iperf.ok ? iperf.value.bytesPerSecond / 1e9 : undefined;
  const ofLimit = (gb: number) => (limit === undefined ? '—' : (gb / limit).toFixed(2));

  const throughput = table(
    [
      'path',
      `GB/s (median of ${ROUNDS})`,
      'every run, GB/s',
      'ratio vs raw (of medians)',
      'CPU s per GiB (median)',
      'CPU efficiency vs raw',
      '÷ iperf3',
    ],
    [
      [
        'raw node:net + hand-written framing',
        raw.toFixed(2),
        raws.map((r) => gbps(r).toFixed(2)).join(', '),
        '1.00',
        rawCpu.toFixed(2),
        '1.00',
        ofLimit(raw),
      ],
      [
        'porta: sendAll + lengthField',
        porta.toFixed(2),
        portas.map((r) => gbps(r).toFixed(2)).join(', '),
        ratio.toFixed(2),
        portaCpu.toFixed(2),
        (rawCpu / portaCpu).toFixed(2),
        ofLimit(porta),
      ],
      limit === undefined
        ? ['iperf3 -c/-s on loopback (physical limit)', iperf.ok ? '' : iperf.note, '', '', '', '', '—']
        : [
            'iperf3 -c/-s on loopback (physical limit)',
            limit.toFixed(2),
            `1 run of ${iperfSeconds} s`,
            (limit / raw).toFixed(2),
            '—',
            '—',
            '1.00',
          ],
    ],
  );
  const memory = table(
    ['consumer', 'high-water mark', 'peak queued', 'peak RSS growth', 'time'],
    [
      [
        'porta `receive` (pauses the socket)',
        `${SLOW_HIGH_WATER / MiB} MiB`,
        `${withReceive.peakQueuedKiB?.toFixed(0)} KiB`,
        `${withReceive.peakRssDeltaMiB.toFixed(1)} MiB`,
        `${withReceive.seconds.toFixed(2)} s`,
      ],
      [
        'plain `bytes.pipe(concatMap(...))`',
        'none',
        'unbounded',
        `${naive.peakRssDeltaMiB.toFixed(1)} MiB`,
        `${naive.seconds.toFixed(2)} s`,
      ],
    ],
  );
  const sizeNote =
    TOTAL === 2048 * MiB
      ? `${ROUNDS} runs of 2 GiB per path, as the issue asks, alternating which path goes first; the median.`
      : `The issue asks for 2 GiB per run; the default here is ${ROUNDS} alternating runs of ${TOTAL / MiB} MiB ` +
        'per path and their median, because on a busy machine the noise between runs exceeds the ' +
        'difference measured (`PORTA_BENCH_TCP_BYTES=2147483648 PORTA_BENCH_TCP_ROUNDS=3` for 2 GiB runs).';
  const markdown = `## TCP transport (\`bench/transport-tcp.bench.ts\`)

${machine()} (${loadBefore.toFixed(1)} at the start). The ratio compares runs made alternately in
the same process.

**Throughput**: one loopback connection sending ${TOTAL / MiB} MiB per run as ${FRAME / KiB} KiB
frames with a 4-byte length prefix, framed on both ends. porta: \`connectTcp\` + \`sendAll\` pulling
frames from a generator (each encoded by \`encodeLengthPrefixed\`, the function \`prependLength\` maps
with) and \`listenTcp\` + \`bytes.pipe(lengthField())\` on the receiving end. Raw: \`node:net\`,
\`write()\` until it returns false then \`drain\`, and a hand-written decoder. Target: porta ≥ 0.9× raw.
${sizeNote}

The physical limit is \`iperf3 -c 127.0.0.1 -t ${iperfSeconds} -J\` against \`iperf3 -s -1\`, run after
the rounds (\`end.sum_received\`, payload bytes per second; no framing). iperf3's client and server are
two C processes, so they use both cores, while porta and raw run both ends in one Node thread: the
"÷ iperf3" column says how much of the loopback's capacity one process reaches, not a target.
iperf3 is optional: \`bench/install-tools.sh\` installs it (and sockperf); without it the row says so.

${throughput}

Paired ratios (porta ÷ raw, run by run): ${pairRatios.map((r) => r.toFixed(2)).join(', ')}. CPU time
(user + system, both ends of the connection live in this process) is less disturbed by the other jobs
than wall time: "CPU efficiency" is raw's CPU seconds per GiB divided by porta's (1.00 = same cost).

**Slow consumer**: the peer sends ${SLOW_TOTAL / MiB} MiB to a consumer that yields to the event loop per
chunk and sleeps 1 ms every 256 KiB. Peak RSS growth is measured over the process baseline (sampled
every 5 ms; it includes the sender, which runs in the same process). Each run has a fresh Node process
of its own, so no freed heap from an earlier run hides its growth. The queue itself never held more
than the high-water mark plus one chunk; the rest of porta's RSS growth is memory the process
allocated to read and write (Node allocates a buffer per read, freed at V8's next GC), not data held back.

${memory}
`;
  console.log(markdown);
  writeSection('transport-tcp', markdown);
}
