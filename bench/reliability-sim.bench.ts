// The simulated network, impairment and authentication, each against a bare baseline in the same
// process, so the ratios show what porta's layer costs.
//   npm run bench -- reliability-sim
import { createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Datagram, Endpoint } from '@porta/core';
import {
  type AuthMode,
  impair,
  ReplayWindow,
  SimNetwork,
  SimScheduler,
  type SimSocket,
  seededRandom,
  sign,
  verify,
} from '@porta/reliability';
import { filter, from, type Observable, VirtualTimeScheduler } from 'rxjs';
import { machine, table, writeSection } from './report.js';

/** Best of `rounds` timings of `fn`, in ms. */
function best(rounds: number, fn: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** `count` actions scheduled at random times up to 1 s, all in flight at once, then flushed. */
function schedulerRun(make: () => VirtualTimeScheduler, count: number): void {
  const scheduler = make();
  const random = seededRandom(1);
  let ran = 0;
  for (let i = 0; i < count; i++) scheduler.schedule(() => void ran++, Math.floor(random() * 1000));
  scheduler.flush();
  if (ran !== count) throw new Error('lost actions');
}

/** Ping-pong of `count` round trips between two sim sockets, one datagram in flight at a time. */
function pingPong(count: number, lossRate: number): void {
  const net = new SimNetwork({ seed: 1, defaultLink: { lossRate, delayMs: 50, jitterMs: 10 } });
  let a: SimSocket | undefined;
  let b: SimSocket | undefined;
  const subs = [
    net.bind({ port: 1 }).subscribe((s) => (a = s)),
    net.bind({ port: 2 }).subscribe((s) => (b = s)),
  ];
  const data = new Uint8Array(64);
  let left = count;
  const to = (s: SimSocket): Endpoint => s.local;
  b!.datagrams.subscribe((d) => b!.send(d.data, d.remote).subscribe());
  a!.datagrams.subscribe(() => {
    if (--left > 0) a!.send(data, to(b!)).subscribe();
  });
  // With loss, a lost leg is resent after 200 ms: a timer on the network's clock.
  const kick = () => {
    if (left > 0) {
      a!.send(data, to(b!)).subscribe();
      net.scheduler.schedule(kick, 200);
    }
  };
  if (lossRate > 0) kick();
  else a!.send(data, to(b!)).subscribe();
  net.flush();
  for (const s of subs) s.unsubscribe();
}

/** The same ping-pong with bare scheduler actions: the floor any virtual-time network pays. */
function barePingPong(count: number): void {
  const scheduler = new SimScheduler();
  let left = count;
  const toB = () => void scheduler.schedule(toA, 50);
  const toA = () => {
    if (--left > 0) scheduler.schedule(toB, 50);
  };
  scheduler.schedule(toB, 50);
  scheduler.flush();
}

function collect<T>(source: Observable<T>): number {
  let n = 0;
  source.subscribe(() => n++);
  return n;
}

export async function main(): Promise<void> {
  const sections: string[] = [
    `Machine: ${machine()}. Each figure is the best of 5 rounds (2 for the rxjs scheduler), and the ratios`,
    'compare runs made seconds apart in one process.',
    '',
  ];

  // 1. Scheduler: ordered insert vs rxjs's sort-per-action, many actions in flight.
  const actions = 10_000;
  // Two rounds only: the baseline is quadratic and slow.
  const rxMs = best(2, () => schedulerRun(() => new VirtualTimeScheduler(), actions));
  const simMs = best(5, () => schedulerRun(() => new SimScheduler(), actions));
  sections.push(
    `### Scheduler: ${actions.toLocaleString('en-US')} actions in flight at once, then flushed`,
    '',
    table(
      ['scheduler', 'ms', 'actions/s', 'speed-up'],
      [
        ['rxjs VirtualTimeScheduler (sort per action)', rxMs.toFixed(1), rate(actions, rxMs), '1.00×'],
        ['porta SimScheduler (ordered insert)', simMs.toFixed(1), rate(actions, simMs), ratio(rxMs, simMs)],
      ],
    ),
    '',
  );

  // 2. SimNetwork round trips vs bare scheduler actions.
  const trips = 50_000;
  const bareMs = best(5, () => barePingPong(trips));
  const netMs = best(5, () => pingPong(trips, 0));
  const lossyMs = best(5, () => pingPong(trips, 0.3));
  sections.push(
    `### SimNetwork: ${trips.toLocaleString('en-US')} sequential round trips (64-byte datagrams, 50 ± 10 ms each way)`,
    '',
    table(
      ['variant', 'ms', 'datagrams/s', 'cost vs bare actions'],
      [
        ['bare scheduler actions (baseline)', bareMs.toFixed(1), rate(2 * trips, bareMs), '1.00×'],
        ['SimNetwork, no loss', netMs.toFixed(1), rate(2 * trips, netMs), ratio(netMs, bareMs)],
        ['SimNetwork, 30% loss + 200 ms resend timer', lossyMs.toFixed(1), '—', ratio(lossyMs, bareMs)],
      ],
    ),
    '',
  );

  // 3. impair vs a bare seeded filter.
  const values = Array.from({ length: 200_000 }, (_, i) => i);
  const filterMs = best(5, () => {
    const random = seededRandom(1);
    collect(from(values).pipe(filter(() => random() >= 0.5)));
  });
  const impairMs = best(5, () => collect(from(values).pipe(impair({ lossRate: 0.5, seed: 1 }))));
  sections.push(
    '### impair: 200,000 values at 50% loss',
    '',
    table(
      ['operator', 'ms', 'values/s', 'cost'],
      [
        [
          '`filter(() => random() >= 0.5)` (baseline)',
          filterMs.toFixed(1),
          rate(values.length, filterMs),
          '1.00×',
        ],
        [
          '`impair({ lossRate: 0.5 })`',
          impairMs.toFixed(1),
          rate(values.length, impairMs),
          ratio(impairMs, filterMs),
        ],
      ],
    ),
    '',
  );

  // 4. sign + verify per mode vs one bare HMAC per message.
  const key = randomBytes(32);
  const remote: Endpoint = { address: '127.0.0.1', port: 1, family: 'IPv4' };
  const rows: (string | number)[][] = [];
  for (const size of [64, 1200]) {
    const messages: Datagram[] = Array.from({ length: 20_000 }, () => ({ data: randomBytes(size), remote }));
    const hmacMs = best(5, () => {
      for (const m of messages) createHmac('sha256', key).update(m.data).digest();
    });
    rows.push([
      `${size} B`,
      'bare HMAC-SHA-256 of the payload (baseline)',
      hmacMs.toFixed(1),
      rate(messages.length, hmacMs),
      '1.00×',
    ]);
    for (const mode of ['hmac-sha256', 'aes-256-gcm', 'chacha20-poly1305'] as AuthMode[]) {
      const ms = best(5, () => {
        const n = collect(from(messages).pipe(sign(key, { mode }), verify(key, { mode })));
        if (n !== messages.length) throw new Error('rejected genuine messages');
      });
      rows.push([
        `${size} B`,
        `sign → verify, ${mode}`,
        ms.toFixed(1),
        rate(messages.length, ms),
        ratio(ms, hmacMs),
      ]);
    }
  }
  sections.push(
    '### sign → verify: 20,000 datagrams (one sender, in order)',
    '',
    table(['payload', 'pipeline', 'ms', 'messages/s', 'cost vs bare HMAC'], rows),
    '',
  );

  // 5. ReplayWindow vs a Set of seen counters (unbounded memory, the naive alternative).
  const counters = 500_000;
  const windowMs = best(5, () => {
    const w = new ReplayWindow();
    for (let i = 0n; i < BigInt(counters); i++) w.accept(i);
  });
  const setMs = best(5, () => {
    const seen = new Set<bigint>();
    for (let i = 0n; i < BigInt(counters); i++) if (!seen.has(i)) seen.add(i);
  });
  sections.push(
    `### ReplayWindow: ${counters.toLocaleString('en-US')} in-order counters`,
    '',
    table(
      ['structure', 'ms', 'counters/s', 'memory'],
      [
        [
          '`Set<bigint>` of every counter (naive)',
          setMs.toFixed(1),
          rate(counters, setMs),
          'grows without bound',
        ],
        ['`ReplayWindow` (2048 bits)', windowMs.toFixed(1), rate(counters, windowMs), '256 bytes'],
      ],
    ),
    '',
  );

  const markdown = ['## reliability — simulated network, impairment, authentication', '', ...sections].join(
    '\n',
  );
  console.log(markdown);
  writeSection('reliability-sim', markdown);
}
