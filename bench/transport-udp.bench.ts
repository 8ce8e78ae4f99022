// UDP request/response rate: one 64-byte request in flight at a time, echoed by a server in the same
// process, through porta (bindUdp echo server + connectUdp client, using only their Observables)
// against raw node:dgram ping-pong. Both sides run 5 s in total, alternating in 250 ms rounds so a
// change in machine load hits both alike; the ratio reported is the median of adjacent round pairs.
// sockperf ping-pong (bench/install-tools.sh) is the reference, run after them when it is installed.
import dgram from 'node:dgram';
import { bindUdp, connectUdp } from '@porta/udp';
import { mergeMap, type Observable, type Subscription } from 'rxjs';
import { sockperfPingPong } from './reference-tools.js';
import { machine, median, table, writeSection } from './report.js';

const SIZE = 64;
const TOTAL_MS = Number(process.env.BENCH_UDP_MS ?? 5_000);
const ROUND_MS = 250;
const WARMUP_MS = 500;
/** sockperf's -t takes whole seconds. */
const SOCKPERF_S = Math.max(1, Math.round(TOTAL_MS / 1000));

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

/**
 * The timed ping-pong loop both pairs share: `round(ms)` sends a ping and, on every reply, counts a
 * round trip and sends the next ping until `ms` have passed. The pair calls `onReply` per reply.
 */
function pingPongRounds(sendPing: () => void): {
  readonly onReply: () => void;
  round(ms: number): Promise<Run>;
} {
  let onReply: () => void = () => {};
  return {
    onReply: () => onReply(),
    round: (ms) =>
      new Promise<Run>((resolve) => {
        let roundTrips = 0;
        const start = performance.now();
        const end = start + ms;
        onReply = () => {
          roundTrips++;
          const now = performance.now();
          if (now < end) sendPing();
          else resolve({ roundTrips, ms: now - start });
        };
        sendPing();
      }),
  };
}

async function rawPair(): Promise<Pair> {
  const server = dgram.createSocket('udp4');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.connect(server.address().port, '127.0.0.1', resolve));
  const ping = Buffer.alloc(SIZE, 1);
  const pingPong = pingPongRounds(() => client.send(ping));
  client.on('message', pingPong.onReply);
  return {
    round: pingPong.round,
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
  const pingPong = pingPongRounds(() => client.send(ping).subscribe());
  subscriptions.push(client.messages.subscribe(pingPong.onReply));
  return {
    round: pingPong.round,
    close: () => {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}

const rate = (r: Run) => (r.roundTrips * 1000) / r.ms;

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
  const sockperf = await sockperfPingPong(SOCKPERF_S, SIZE);
  const reference = sockperf.ok ? sockperf.value.roundTripsPerSecond : undefined;
  const ofReference = (r: Run) => (reference === undefined ? '—' : (rate(r) / reference).toFixed(2));

  const ratio = median(pairRatios);
  const overall = rate(portaTotal) / rate(rawTotal);
  const rows = [
    [
      'raw node:dgram',
      rawTotal.roundTrips,
      (rawTotal.ms / 1000).toFixed(1),
      Math.round(rate(rawTotal)),
      '1.00',
      ofReference(rawTotal),
    ],
    [
      'porta (bindUdp + connectUdp)',
      portaTotal.roundTrips,
      (portaTotal.ms / 1000).toFixed(1),
      Math.round(rate(portaTotal)),
      overall.toFixed(2),
      ofReference(portaTotal),
    ],
    sockperf.ok
      ? [
          'sockperf ping-pong + server',
          sockperf.value.roundTrips,
          sockperf.value.seconds.toFixed(1),
          Math.round(sockperf.value.roundTripsPerSecond),
          (sockperf.value.roundTripsPerSecond / rate(rawTotal)).toFixed(2),
          '1.00',
        ]
      : ['sockperf ping-pong + server', sockperf.note, '', '', '', '—'],
  ];
  const result = table(
    [
      'UDP 64-byte request/response, one in flight',
      'round trips',
      's',
      'round trips/s',
      '÷ raw',
      '÷ sockperf',
    ],
    rows,
  );
  const sockperfNote = sockperf.ok
    ? `sockperf's mean round trip: ${sockperf.value.avgRoundTripUs.toFixed(1)} µs (twice its "avg-latency", which is half a round trip).`
    : 'sockperf is optional: `bench/install-tools.sh` installs it (and iperf3).';
  console.log(result);
  console.log(`median ratio over ${pairRatios.length} round pairs: ${ratio.toFixed(2)}`);
  writeSection(
    'transport-udp',
    `## UDP transport (\`bench/transport-udp.bench.ts\`)

${machine()}. Loopback, one process, 64-byte payload, one request in flight; ${TOTAL_MS / 1000} s per side
in alternating ${ROUND_MS} ms rounds after a ${WARMUP_MS} ms warm-up. Target: porta ≥ 0.80× raw.
The table's "÷ raw" is over the totals; the headline is the median over adjacent (raw, porta) round
pairs, which is less sensitive to load spikes on a shared machine.

The reference is \`sockperf ping-pong -i 127.0.0.1 -t ${SOCKPERF_S} -m ${SIZE}\` against
\`sockperf server\`, run after the rounds: its round trips are counted over its "valid duration" (after
its own warm-up). sockperf's client and server are two C processes blocking in \`recvfrom\`, one per
core, while raw and porta run both ends in one Node thread. Each of sockperf's round trips therefore
pays two cross-process wake-ups that an in-process ping-pong does not, so on a machine where a wake-up
costs more than a trip through Node's event loop, sockperf comes out *slower* than raw node:dgram:
"÷ sockperf" compares with the kernel's cross-process loopback round trip, it is not a ceiling or a
target. ${sockperfNote}

${result}

porta: **${ratio.toFixed(2)}×** raw node:dgram (median of ${pairRatios.length} round pairs; range
${Math.min(...pairRatios).toFixed(2)}–${Math.max(...pairRatios).toFixed(2)}).`,
  );
}
