// What observability costs: the same workloads with nothing listening (the default), with a
// subscriber on every porta diagnostics channel, and with a packet capture (pcapng to memory).
//   npm run bench -- observability
// Variants alternate in short rounds so load from other jobs hits them alike; each ratio is the
// median over rounds of (variant ÷ "off") in the same round, in wall-clock rate and in CPU time per
// operation (process.cpuUsage), which is less sensitive to a shared machine.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { lengthField, PacketCapture, prependLength } from '@porta/core';
import { decodePortaMessage, replyTo, requester } from '@porta/reliability';
import { bindUdp, connectUdp } from '@porta/udp';
import { from, lastValueFrom, mergeMap, type Observable, type Subscription } from 'rxjs';
import { machine, median, table, writeSection } from './report.js';

const ROUNDS = Number(process.env.BENCH_OBS_ROUNDS ?? 12);
const ROUND_MS = 200;
const CHANNELS = [
  'porta:udp:bind',
  'porta:udp:close',
  'porta:tcp:connect',
  'porta:tcp:accept',
  'porta:tcp:close',
  'porta:serve:event',
  'porta:request:send',
  'porta:request:reply',
  'porta:request:reject',
  'porta:origin:drop',
  'porta:impair:drop',
  'porta:auth:reject',
];

type Mode = 'off' | 'subscribed' | 'capture';
const MODES: readonly Mode[] = ['off', 'subscribed', 'capture'];

/** One measured round: operations done, wall ms, CPU µs. */
interface Round {
  readonly ops: number;
  readonly ms: number;
  readonly cpuUs: number;
}

/** A workload: opened once per mode, then driven in timed rounds. */
interface Workload {
  round(ms: number): Promise<number>;
  close(): void;
}

let heard = 0;
const listener = () => {
  heard++;
};

function setMode(mode: Mode): void {
  for (const name of CHANNELS) {
    if (mode === 'subscribed') subscribe(name, listener);
    else unsubscribe(name, listener);
  }
}

async function timed(work: Workload, ms: number): Promise<Round> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const ops = await work.round(ms);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ops, ms: wall, cpuUs: used.user + used.system };
}

function hold<T>(subscriptions: Subscription[], source: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    subscriptions.push(source.subscribe({ next: resolve, error: reject }));
  });
}

/** A capture that keeps nothing: what recording costs, without the disk. */
function memoryCapture(): PacketCapture {
  let bytes = 0;
  return new PacketCapture({ write: (b) => (bytes += b.length) });
}

/** The UDP ping-pong of transport-udp.bench.ts: bindUdp echo + connectUdp, one 64-byte ping in flight. */
async function udpPingPong(capture: PacketCapture | undefined): Promise<Workload> {
  const subs: Subscription[] = [];
  const options = capture === undefined ? {} : { capture };
  const server = await hold(subs, bindUdp(options));
  subs.push(server.datagrams.pipe(mergeMap((d) => server.send(d.data, d.remote))).subscribe());
  const client = await hold(subs, connectUdp(server.local, options));
  const ping = new Uint8Array(64).fill(1);
  let onReply = () => {};
  subs.push(client.messages.subscribe(() => onReply()));
  return {
    round: (ms) =>
      new Promise((resolve) => {
        let n = 0;
        const end = performance.now() + ms;
        onReply = () => {
          n++;
          if (performance.now() < end) client.send(ping).subscribe();
          else resolve(n);
        };
        client.send(ping).subscribe();
      }),
    close: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}

/** requester request/response over UDP, one request in flight: publishes send and reply per request. */
async function requests(capture: PacketCapture | undefined): Promise<Workload> {
  const subs: Subscription[] = [];
  const options = capture === undefined ? {} : { capture };
  const server = await hold(subs, bindUdp(options));
  subs.push(
    server.datagrams
      .pipe(
        mergeMap(({ data, remote }) =>
          server.send(replyTo(decodePortaMessage(data), data.subarray(14)), remote),
        ),
      )
      .subscribe(),
  );
  const socket = await hold(subs, bindUdp(options));
  const client = requester(socket);
  const payload = new Uint8Array(64).fill(2);
  return {
    round: async (ms) => {
      let n = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await lastValueFrom(client.request(payload, server.local));
        n++;
      }
      return n;
    },
    close: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}

/** lengthField decode of 100,000 32-byte frames in 64 KiB chunks: framing has no hook at all. */
function framing(): Workload {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) frames.push(new Uint8Array(32).fill(i & 255));
  const encoded: Uint8Array[] = [];
  from(frames)
    .pipe(prependLength())
    .subscribe((b) => encoded.push(b));
  const all = Buffer.concat(encoded);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += 65_536) chunks.push(all.subarray(at, at + 65_536));
  return {
    round: async (ms) => {
      let n = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        from(chunks)
          .pipe(lengthField())
          .subscribe(() => n++);
      }
      return n;
    },
    close: () => {},
  };
}

interface Result {
  readonly name: string;
  /** Per mode: median rate ratio and median CPU-per-op ratio against off, and the off rate. */
  readonly rows: { mode: Mode; rate: number; cpu: number; opsPerS: number }[];
}

async function compare(
  name: string,
  open: (capture: PacketCapture | undefined) => Workload | Promise<Workload>,
  modes: readonly Mode[],
): Promise<Result> {
  const rounds = new Map<Mode, Round[]>(modes.map((m) => [m, []]));
  for (let r = -1; r < ROUNDS; r++) {
    for (const mode of modes) {
      const capture = mode === 'capture' ? memoryCapture() : undefined;
      setMode(mode);
      const work = await open(capture);
      const round = await timed(work, ROUND_MS);
      work.close();
      capture?.close();
      setMode('off');
      if (r >= 0) rounds.get(mode)!.push(round); // round -1 warms up
    }
  }
  const off = rounds.get('off')!;
  const rows = modes.map((mode) => {
    const mine = rounds.get(mode)!;
    const rate = median(mine.map((x, i) => x.ops / x.ms / (off[i]!.ops / off[i]!.ms)));
    const cpu = median(mine.map((x, i) => x.cpuUs / x.ops / (off[i]!.cpuUs / off[i]!.ops)));
    const opsPerS = median(mine.map((x) => (x.ops * 1000) / x.ms));
    return { mode, rate, cpu, opsPerS };
  });
  return { name, rows };
}

export async function main(): Promise<void> {
  const results = [
    await compare('UDP ping-pong (bindUdp + connectUdp)', udpPingPong, MODES),
    await compare('requester round trips over UDP', requests, MODES),
    await compare('lengthField decode, 100,000 frames', () => framing(), ['off', 'subscribed']),
  ];
  const label: Record<Mode, string> = {
    off: 'nothing listening (default)',
    subscribed: 'a subscriber on every porta:* channel',
    capture: 'a PacketCapture on the sockets (pcapng to memory)',
  };
  const rows = results.flatMap((r) =>
    r.rows.map((row) => [
      r.name,
      label[row.mode],
      Math.round(row.opsPerS),
      row.rate.toFixed(2),
      row.cpu.toFixed(2),
    ]),
  );
  const result = table(
    ['workload', 'observability', 'ops/s (median round)', 'rate ÷ off', 'CPU/op ÷ off'],
    rows,
  );
  console.log(result);
  console.log(`(${heard} channel messages heard while subscribed)`);
  writeSection(
    'observability',
    `## Observability on and off (\`bench/observability.bench.ts\`)

${machine()}. Each workload runs in ${ROUND_MS} ms rounds, its variants alternating (${ROUNDS} rounds
each after one warm-up round); a ratio is the median over rounds of the variant against "nothing
listening" in the same round. "CPU/op" is \`process.cpuUsage()\` per operation, steadier than wall
time on a shared machine. The UDP datagram path has no channel (channels fire per socket, per request,
per server event), so subscribing changes nothing there; the requester publishes a send and a reply
message per request; framing has no hook at all.

${result}`,
  );
}
