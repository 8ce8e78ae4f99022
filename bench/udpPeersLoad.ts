// The load side of bench/udp-peers.bench.ts, its own process so it does not share the server's event
// loop:  node --import tsx bench/udpPeersLoad.ts
// Over IPC it takes {port, clients, window, ms}: opens `clients` UDP sockets on 127.0.0.1, each
// keeping `window` 64-byte datagrams in flight to `port` (a new one per reply) for `ms`, then
// answers {replies, ms, lost}: replies received, the time, and datagrams never answered (a
// datagram lost on loopback shrinks its client's window for the rest of the run, so it is counted).
import dgram from 'node:dgram';

interface Run {
  readonly port: number;
  readonly clients: number;
  readonly window: number;
  readonly ms: number;
}

const payload = Buffer.alloc(64, 0x61);

async function run({
  port,
  clients,
  window,
  ms,
}: Run): Promise<{ replies: number; ms: number; lost: number }> {
  let replies = 0;
  let sent = 0;
  let running = true;
  const sockets: dgram.Socket[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const socket = dgram.createSocket('udp4');
      sockets.push(socket);
      socket.on('message', () => {
        replies++;
        if (running) {
          sent++;
          socket.send(payload, port, '127.0.0.1');
        }
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    }),
  );
  const start = performance.now();
  for (const socket of sockets) {
    for (let i = 0; i < window; i++) {
      sent++;
      socket.send(payload, port, '127.0.0.1');
    }
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  running = false;
  const elapsed = performance.now() - start;
  const counted = replies;
  // Let the replies in flight arrive, so only datagrams really lost count as lost.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const lost = sent - replies;
  for (const socket of sockets) socket.close();
  return { replies: counted, ms: elapsed, lost };
}

process.on('message', (message: Run | 'exit') => {
  if (message === 'exit') process.disconnect();
  else void run(message).then((result) => process.send?.(result));
});
process.send?.('ready');
