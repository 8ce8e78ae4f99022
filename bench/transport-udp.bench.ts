// UDP request/response rate: one 64-byte request in flight at a time, echoed by a server in the same
// process, through porta (bindUdp echo server + connectUdp client, using only their Observables)
// against raw node:dgram ping-pong. Both sides run 5 s in total, alternating in 250 ms rounds so a
// change in machine load hits both alike; the ratio reported is the median of adjacent round pairs.
import dgram from 'node:dgram';
import { bindUdp, connectUdp } from '@porta/udp';
import { mergeMap, type Observable, type Subscription } from 'rxjs';
import { machine, table, writeSection } from './report.js';

const SIZE = 64;
const TOTAL_MS = Number(process.env.BENCH_UDP_MS ?? 5_000);
const ROUND_MS = 250;
const WARMUP_MS = 500;

/** A measured run: round trips completed and the time they took. */
interface Run {
  readonly roundTrips: number;
  readonly ms: number;
}

/** A ping-pong pair, opened once and driven in timed rounds. */
interface Pair {
  round(ms: number): Promise<Run>;
  close(): void;
}

async function rawPair(): Promise<Pair> {
  const server = dgram.createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.connect(server.address().port, '127.0.0.1', resolve));
  const ping = Buffer.alloc(SIZE, 1);
  let onReply: () => void = () => {};
  client.on('message', () => onReply());
  return {
    round: (ms) =>
      new Promise<Run>((resolve) => {
        let roundTrips = 0;
        const start = performance.now();
        const end = start + ms;
        onReply = () => {
          roundTrips++;
          const now = performance.now();
          if (now < end) client.send(ping);
          else resolve({ roundTrips, ms: now - start });
        };
        client.send(ping);
      }),
    close: () => {
      client.close();
      server.close();
    },
  };
}

async function portaPair(): Promise<Pair> {
  const subscriptions: Subscription[] = [];
  const hold = <T>(source: Observable<T>) =>
    new Promise<T>((resolve, reject) => {
      subscriptions.push(source.subscribe({ next: resolve, error: reject }));
    });
  const server = await hold(bindUdp());
  subscriptions.push(server.datagrams.pipe(mergeMap((d) => server.send(d.data, d.remote))).subscribe());
  const client = await hold(connectUdp(server.local));
  const ping = new Uint8Array(SIZE).fill(1);
  let onReply: () => void = () => {};
  subscriptions.push(client.messages.subscribe(() => onReply()));
  return {
    round: (ms) =>
      new Promise<Run>((resolve) => {
        let roundTrips = 0;
        const start = performance.now();
        const end = start + ms;
        onReply = () => {
          roundTrips++;
          const now = performance.now();
          if (now < end) client.send(ping).subscribe();
          else resolve({ roundTrips, ms: now - start });
        };
        client.send(ping).subscribe();
      }),
    close: () => {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}

const rate = (r: Run) => (r.roundTrips * 1000) / r.ms;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function add(a: Run, b: Run): Run {
  return { roundTrips: a.roundTrips + b.roundTrips, ms: a.ms + b.ms };
}

export async function main(): Promise<void> {
  const raw = await rawPair();
  const porta = await portaPair();
  await raw.round(WARMUP_MS);
  await porta.round(WARMUP_MS);
  let rawTotal: Run = { roundTrips: 0, ms: 0 };
  let portaTotal: Run = { roundTrips: 0, ms: 0 };
  const pairRatios: number[] = [];
  for (let done = 0; done < TOTAL_MS; done += ROUND_MS) {
    const r = await raw.round(ROUND_MS);
    const p = await porta.round(ROUND_MS);
    rawTotal = add(rawTotal, r);
    portaTotal = add(portaTotal, p);
    pairRatios.push(rate(p) / rate(r));
  }
  raw.close();
  porta.close();

  const ratio = median(pairRatios);
  const overall = rate(portaTotal) / rate(rawTotal);
  const rows = [
    [
      'raw node:dgram',
      rawTotal.roundTrips,
      (rawTotal.ms / 1000).toFixed(1),
      Math.round(rate(rawTotal)),
      '1.00',
    ],
    [
      'porta (bindUdp + connectUdp)',
      portaTotal.roundTrips,
      (portaTotal.ms / 1000).toFixed(1),
      Math.round(rate(portaTotal)),
      overall.toFixed(2),
    ],
  ];
  const result = table(
    ['UDP 64-byte request/response, one in flight', 'round trips', 's', 'round trips/s', 'ratio'],
    rows,
  );
  console.log(result);
  console.log(`median ratio over ${pairRatios.length} round pairs: ${ratio.toFixed(2)}`);
  writeSection(
    'transport-udp',
    `## UDP transport (\`bench/transport-udp.bench.ts\`)

${machine()}. Loopback, one process, 64-byte payload, one request in flight; ${TOTAL_MS / 1000} s per side
in alternating ${ROUND_MS} ms rounds after a ${WARMUP_MS} ms warm-up. Target: porta ≥ 0.80× raw.
The table's ratio is over the totals; the headline is the median over adjacent (raw, porta) round
pairs, which is less sensitive to load spikes on a shared machine.

${result}

porta: **${ratio.toFixed(2)}×** raw node:dgram (median of ${pairRatios.length} round pairs; range
${Math.min(...pairRatios).toFixed(2)}–${Math.max(...pairRatios).toFixed(2)}).`,
  );
}
