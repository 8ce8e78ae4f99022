// The server side of bench/tcp-idle.bench.ts, one process per run so its heap holds nothing else:
//   node --expose-gc --import tsx bench/tcp-idle-server.ts porta|raw COUNT
// Prints `ready PORT` (after a baseline heap reading), `all` once COUNT connections are open (porta:
// every actor `opened`), and on `measure` (stdin) one JSON line: heap and RSS growth per connection.
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
const opened = () => {
  if (++open === count) console.log('all');
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
      },
      error: reject,
    });
  });
} else {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => {});
    opened();
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  port = (server.address() as net.AddressInfo).port;
}

await settle();
const base = process.memoryUsage();
console.log(`ready ${port}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'measure') continue;
  await settle();
  const now = process.memoryUsage();
  console.log(
    JSON.stringify({
      open,
      heapPerConnection: (now.heapUsed - base.heapUsed) / count,
      rssPerConnection: (now.rss - base.rss) / count,
    }),
  );
  process.exit(0);
}
