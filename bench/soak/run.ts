// Soak: porta servers with default options (bench/soak/server.ts, a child process) under a mixed
// hostile load for N minutes, while well-behaved clients keep asking. Reports peak RSS, event-loop
// delay p99 (the server's), answered well-behaved requests and every counter, and writes the
// "soak" section of docs/BENCHMARKS.md. Not run in CI:   npm run soak -- --minutes 2
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { encodeLengthPrefixed } from '@porta/core';
import { machine, table, writeSection } from '../report.js';

interface Sample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly udp?: Record<string, number>;
  readonly udpTransport?: Record<string, number>;
  readonly tcp?: Record<string, number>;
  readonly events: Record<string, number>;
}

const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg >= 0 ? Number(process.argv[minutesArg + 1]) : 2;
const durationMs = minutes * 60_000;
const MiB = 1024 * 1024;
const timers: NodeJS.Timeout[] = [];
const sockets = new Set<net.Socket>();
const every = (ms: number, fn: () => void) => timers.push(setInterval(fn, ms));

const child = fork(new URL('./server.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
const samples: Sample[] = [];
const ports = await new Promise<{ udp: number; tcp: number }>((resolve) =>
  child.on('message', (m: { type: string; ports?: { udp: number; tcp: number } } & Sample) => {
    if (m.type === 'ready' && m.ports) resolve(m.ports);
    if (m.type === 'sample') samples.push(m);
  }),
);

// --- hostile UDP -----------------------------------------------------------------------------
const junk = Buffer.alloc(1_200, 'junk');
let floodPorts = 0;
every(10, () => {
  // 20 fresh source ports every 10 ms: 2,000 new "peers" a second, more than the table holds.
  for (let i = 0; i < 20; i++) {
    const s = dgram.createSocket('udp4');
    s.on('error', () => s.close());
    s.send(junk, ports.udp, '127.0.0.1', () => s.close());
    floodPorts++;
  }
});
const stallers = Array.from({ length: 50 }, () => dgram.createSocket('udp4'));
const stall = Buffer.alloc(60_000, 'stal');
every(20, () => {
  for (const s of stallers) s.send(stall, ports.udp, '127.0.0.1');
});

// --- hostile TCP -----------------------------------------------------------------------------
function raw(onConnect: (s: net.Socket) => void): void {
  const s = net.connect({ host: '127.0.0.1', port: ports.tcp }, () => onConnect(s));
  s.on('error', () => {});
  s.on('close', () => sockets.delete(s));
  sockets.add(s);
}
const lie = Buffer.alloc(14);
lie.writeUInt32BE(8 * MiB - 8, 0);
every(100, () => {
  for (let i = 0; i < 10; i++) raw((s) => s.write(lie)); // liars: cut by the frame timeout
  for (let i = 0; i < 5; i++) {
    raw((s) => {
      s.write(Buffer.from([0, 0, 0, 50, 1, 2, 3])); // half a frame, then a reset
      setTimeout(() => s.resetAndDestroy(), 20);
    });
  }
});
every(500, () => {
  raw((s) => {
    s.pause(); // never reads what it subscribed to
    s.write(encodeLengthPrefixed(new TextEncoder().encode('subscribe')));
  });
  raw((s) => {
    s.write(Buffer.from([0, 0, 0, 100]));
    const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(Buffer.from([7]))), 100);
    timers.push(t);
  }); // slow-loris
});

// --- well-behaved clients ----------------------------------------------------------------------
const good = { udpAsked: 0, udpAnswered: 0, tcpAsked: 0, tcpAnswered: 0 };
let running = true;
async function udpClient(n: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.connect(ports.udp, '127.0.0.1', () => r()));
  let seq = 0;
  while (running) {
    const msg = `hello ${n} ${seq++}`;
    good.udpAsked++;
    const answered = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => done(false), 500);
      const onMessage = (m: Buffer) => m.toString() === msg && done(true);
      const done = (ok: boolean) => {
        clearTimeout(t);
        s.off('message', onMessage);
        resolve(ok);
      };
      s.on('message', onMessage);
      s.send(msg);
    });
    if (answered) good.udpAnswered++;
    await new Promise((r) => setTimeout(r, 10));
  }
  s.close();
}
async function tcpClient(n: number): Promise<void> {
  while (running) {
    const s = await new Promise<net.Socket>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port: ports.tcp }, () => resolve(c));
      c.on('error', () => {});
    });
    for (let seq = 0; running && seq < 100 && !s.destroyed; seq++) {
      const msg = Buffer.from(`hello ${n} ${seq}`);
      good.tcpAsked++;
      const answered = await new Promise<boolean>((resolve) => {
        let got = Buffer.alloc(0);
        const t = setTimeout(() => done(false), 1_000);
        const onData = (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 4 + msg.length) done(got.subarray(4).equals(msg));
        };
        const done = (ok: boolean) => {
          clearTimeout(t);
          s.off('data', onData);
          resolve(ok);
        };
        s.on('data', onData);
        s.write(encodeLengthPrefixed(msg));
      });
      if (answered) good.tcpAnswered++;
      await new Promise((r) => setTimeout(r, 10));
    }
    s.destroy();
  }
}
const clients = [0, 1, 2, 3].map(udpClient).concat([0, 1, 2, 3].map(tcpClient));

await new Promise((r) => setTimeout(r, durationMs));
running = false;
for (const t of timers) clearInterval(t);
await Promise.all(clients);
const last = samples.at(-1);
for (const s of sockets) s.destroy();
for (const s of stallers) s.close();
child.disconnect();

// --- report ------------------------------------------------------------------------------------
const peakRss = Math.max(...samples.map((s) => s.rss));
const p99s = samples.map((s) => s.p99Ms).sort((a, b) => a - b);
const medianP99 = p99s[Math.floor(p99s.length / 2)] ?? 0;
const worstP99 = p99s.at(-1) ?? 0;
const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(2)} %`);
const counters = (o: Record<string, number> | undefined) =>
  Object.entries(o ?? {})
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ');
const markdown = [
  '## soak',
  '',
  `\`npm run soak -- --minutes ${minutes}\`: a UDP and a TCP porta server with **default options** (UDP:`,
  'echo, with a stalled handler for one kind of datagram; TCP: length-prefixed echo with a 2 s',
  'frame timeout, and a 64 KiB-per-ms feed on request) in a child process, for',
  `${minutes} minutes, under: a UDP flood from 2,000 new source ports a second; 50 UDP peers sending`,
  '60 KB datagrams every 20 ms to a handler that never finishes (mailboxes full: the memory-ceiling',
  'case); 100 TCP connections a second declaring 8 MiB frames and going silent; 50 a second resetting',
  'mid-frame; 2 a second subscribing to the feed and never reading; 2 a second slow-loris. Meanwhile',
  `4 UDP and 4 TCP well-behaved clients ask and wait for each answer. ${machine()}.`,
  '',
  table(
    ['measure', 'value'],
    [
      [
        'peak RSS of the server process',
        `${(peakRss / MiB).toFixed(0)} MiB (ceiling of porta's queues: 256 MiB)`,
      ],
      [
        'event-loop delay p99 (median of the 1 s windows / worst window)',
        `${medianP99.toFixed(1)} ms / ${worstP99.toFixed(1)} ms`,
      ],
      [
        'UDP well-behaved requests answered',
        `${good.udpAnswered.toLocaleString('en-US')} of ${good.udpAsked.toLocaleString('en-US')} (${pct(good.udpAnswered, good.udpAsked)}; 500 ms per try, no retry)`,
      ],
      [
        'TCP well-behaved requests answered',
        `${good.tcpAnswered.toLocaleString('en-US')} of ${good.tcpAsked.toLocaleString('en-US')} (${pct(good.tcpAnswered, good.tcpAsked)})`,
      ],
      ['UDP flood source ports sent', floodPorts.toLocaleString('en-US')],
    ],
  ),
  '',
  `UDP server: ${counters(last?.udp)}.`,
  '',
  `UDP transport: ${counters(last?.udpTransport)}.`,
  '',
  `TCP server: ${counters(last?.tcp)}.`,
  '',
  `Events: ${counters(last?.events)}.`,
].join('\n');
console.log(markdown);
if (!process.argv.includes('--no-write')) writeSection('soak', markdown);
process.exit(0);
