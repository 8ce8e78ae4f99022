// Request/response over the simulated network (virtual time): the course's fixed schedule
// (0.1 s doubling) side by side with porta's adaptive RTO (RFC 6298, attempt echoed in replies).
//   npm run bench -- reliability
import { performance } from 'node:perf_hooks';
import {
  type RequesterOptions,
  requester,
  SimNetwork,
  type SimSocket,
  serveRequests,
} from '@porta/reliability';
import type { Subscription } from 'rxjs';
import { machine, table, writeSection } from './report.js';

interface Variant {
  readonly name: string;
  readonly options: RequesterOptions;
}

const VARIANTS: readonly Variant[] = [
  { name: 'course (fixed 0.1 s doubling)', options: {} },
  { name: 'porta adaptive (RFC 6298 RTO)', options: { adaptive: true } },
];

interface RunStats {
  readonly requests: number;
  readonly succeeded: number;
  readonly sent: number;
  readonly sentPerSuccess: number;
  /** Sends per request over the requests after the first `warmup`. */
  readonly steadySentPerRequest: number;
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
}

const payload = new TextEncoder().encode('Mensagem para o servidor: Estou enviando uma mensagem');

/** `count` sequential requests from one client to one echo server, on a fresh network. */
function run(variant: Variant, count: number, lossRate: number, seed: number, warmup = 5): RunStats {
  const net = new SimNetwork({ seed, defaultLink: { lossRate, delayMs: 100, jitterMs: 0 } });
  const subs: Subscription[] = [];
  const bind = (port: number): SimSocket => {
    let socket: SimSocket | undefined;
    subs.push(net.bind({ port }).subscribe((s) => (socket = s)));
    return socket!;
  };
  const server = bind(1060);
  const clientSocket = bind(0);
  subs.push(serveRequests(server, (p) => p).subscribe());
  const client = requester(clientSocket, {
    ...variant.options,
    scheduler: net.scheduler,
    randomId: (() => {
      let id = BigInt(seed) << 32n;
      return () => (id += 1n);
    })(),
  });
  const latencies: number[] = [];
  let steadySent = 0;
  const simStart = net.now();
  const wallStart = performance.now();
  for (let i = 0; i < count; i++) {
    const before = client.stats.sent;
    const result = net.run(client.request(payload, server.local));
    if (result.completed) latencies.push(result.elapsedMs);
    if (i >= warmup) steadySent += client.stats.sent - before;
  }
  const wallMs = performance.now() - wallStart;
  const simulatedMs = net.now() - simStart;
  for (const s of subs) s.unsubscribe();
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] ?? Number.NaN;
  return {
    requests: count,
    succeeded: latencies.length,
    sent: client.stats.sent,
    sentPerSuccess: client.stats.sent / Math.max(1, latencies.length),
    steadySentPerRequest: steadySent / Math.max(1, count - warmup),
    meanMs: mean,
    p99Ms: p99,
    simulatedMs,
    wallMs,
  };
}

const f2 = (x: number) => x.toFixed(2);
const f0 = (x: number) => x.toFixed(0);

export async function main(): Promise<void> {
  const sections: string[] = [
    '## reliability — request/response on the simulated network',
    '',
    `Machine: ${machine()}. Virtual time on porta's \`SimNetwork\` (one client, one porta echo server,`,
    '100 ms each way = 200 ms round trip, loss applied independently to each direction). Requests are',
    'sequential. "course" is `retryBackoff`\'s default (waits 0.1, 0.2, 0.4, 0.8, 1.6 s, then give up);',
    '"adaptive" starts each request from the peer\'s RFC 6298 RTO (min 100 ms, initial 100 ms), five',
    'attempts with waits doubling from the RTO, capped at 2 s. Latency is virtual time from first send to',
    'accepted reply. Machine load affects only the last table.',
    '',
  ];

  // 1. No loss, 200 ms round trip: datagrams sent per request.
  const noLoss = VARIANTS.map((v) => ({ v, r: run(v, 200, 0, 1) }));
  sections.push('### Datagrams sent per successful request, 200 ms round trip, no loss (200 requests)', '');
  sections.push(
    table(
      ['client', 'sent / success (all)', 'sent / request after the first 5', 'mean latency (ms)'],
      noLoss.map(({ v, r }) => [v.name, f2(r.sentPerSuccess), f2(r.steadySentPerRequest), f0(r.meanMs)]),
    ),
    '',
  );
  const ratio = (noLoss[0]?.r.steadySentPerRequest ?? 0) / (noLoss[1]?.r.steadySentPerRequest ?? 1);
  sections.push(
    `Adaptive sends ${f2(ratio)}× fewer datagrams than the course once it has learnt the round trip.`,
    '',
  );

  // 2. Loss: latency and success.
  const rows: (string | number)[][] = [];
  for (const loss of [0.1, 0.3, 0.5, 0.7]) {
    for (const v of VARIANTS) {
      const r = run(v, 1000, loss, 42);
      rows.push([
        `${loss * 100}%`,
        v.name,
        `${f2((100 * r.succeeded) / r.requests)}%`,
        f0(r.meanMs),
        f0(r.p99Ms),
        f2(r.sentPerSuccess),
      ]);
    }
  }
  sections.push('### Loss (each direction), 200 ms round trip, 1,000 requests per row', '');
  sections.push(
    table(['loss', 'client', 'success', 'mean latency (ms)', 'p99 latency (ms)', 'sent / success'], rows),
    '',
  );

  // 3. Speed of the simulation.
  const speed = VARIANTS.map((v) => ({ v, r: run(v, 10_000, 0.3, 7) }));
  sections.push('### Simulation speed: 10,000 requests at 30% loss', '');
  sections.push(
    table(
      ['client', 'simulated time (s)', 'wall time (ms)', 'simulated s per wall s'],
      speed.map(({ v, r }) => [
        v.name,
        f0(r.simulatedMs / 1000),
        f0(r.wallMs),
        f0(r.simulatedMs / 1000 / (r.wallMs / 1000)),
      ]),
    ),
    '',
  );

  const markdown = sections.join('\n');
  console.log(markdown);
  writeSection('reliability', markdown);
}
