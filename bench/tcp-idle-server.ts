// The server side of bench/tcp-idle.bench.ts, one process per run so its heap holds nothing else:
//   node --expose-gc --import tsx bench/tcp-idle-server.ts porta|raw COUNT
// Talks in lines. Prints `ready PORT` (after a baseline heap reading), then `all CPU_US` once COUNT
// connections are open (porta: every actor `opened`; CPU_US: the CPU, user + system, this process
// spent since `ready`). On `measure` (stdin) it prints one JSON line: heap and RSS growth per
// connection. Then, once the client has closed them all, `empty` (porta: every actor `closed`), and
// a second `all CPU_US` (counted from `empty`) when COUNT more are open: the same work with the
// code already warm. On `exit` it exits.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { serve } from '@porta/core';
import { tcpTransport } from '@porta/tcp';

const [mode = 'porta', countText = '5000'] = process.argv.slice(2);
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('tcp-idle-server needs --expose-gc');

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
};

let open = 0;
let cpuFrom = process.cpuUsage();
const opened = () => {
  if (++open !== count) return;
  const cpu = process.cpuUsage(cpuFrom);
  console.log(`all ${cpu.user + cpu.system}`);
};
let measured = false;
const closed = () => {
  if (--open !== 0 || !measured) return;
  cpuFrom = process.cpuUsage();
  console.log('empty');
};

let port: number;
if (mode === 'porta') {
  port = await new Promise<number>((resolve, reject) => {
    serve(tcpTransport({ host: '127.0.0.1', port: 0, backlog: 4096 }), (peer) => peer.messages, {
      maxActors: count + 16,
    }).subscribe({
      next: (e) => {
        if (e.type === 'listening') resolve(e.local.port);
        else if (e.type === 'opened') opened();
        else if (e.type === 'closed') closed();
      },
      error: reject,
    });
  });
} else {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => {});
    socket.on('close', closed);
    opened();
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  port = (server.address() as net.AddressInfo).port;
}

await settle();
const base = process.memoryUsage();
cpuFrom = process.cpuUsage();
console.log(`ready ${port}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') process.exit(0);
  if (line !== 'measure') continue;
  await settle();
  const now = process.memoryUsage();
  measured = true;
  console.log(
    JSON.stringify({
      open,
      heapPerConnection: (now.heapUsed - base.heapUsed) / count,
      rssPerConnection: (now.rss - base.rss) / count,
    }),
  );
}
