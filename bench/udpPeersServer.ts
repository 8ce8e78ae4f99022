// The server side of bench/udp-peers.bench.ts, one process per kind so its CPU is its own:
//   node --import tsx bench/udpPeersServer.ts raw|porta|porta-idle
// A UDP echo on 127.0.0.1, port 0. Talks to its parent over IPC: sends {port} once bound; on
// 'start' zeroes its counters and CPU clock, on 'stop' answers {replies, cpuUs, dropped, rejected}
// (replies sent, CPU µs this process spent since 'start'); on 'exit' closes and exits.
//   raw        node:dgram, replying from the 'message' handler (SO_RCVBUF 1 MiB, as porta's default)
//   porta      serve(udpTransport(), (peer) => peer.messages): one actor per client endpoint
//   porta-idle the same with idleTimeoutMs: 30 s (no actor ever goes idle; the timer bookkeeping runs)
import dgram from 'node:dgram';
import { type ServerHandle, serve } from '@porta/core';
import { udpTransport } from '@porta/udp';

const kind = process.argv[2] ?? 'raw';
const send = (message: unknown) => process.send?.(message);

let rawReplies = 0;
let handle: ServerHandle | undefined;
let close: () => void = () => {};
let cpuAtStart = process.cpuUsage();
let outAtStart = 0;

const counters = () => {
  const s = handle?.stats();
  return {
    replies: s === undefined ? rawReplies : s.messagesOut,
    dropped: s?.dropped ?? 0,
    rejected: s?.rejected ?? 0,
  };
};

if (kind === 'raw') {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  socket.on('message', (m, r) => {
    rawReplies++;
    socket.send(m, r.port, r.address);
  });
  socket.bind(0, '127.0.0.1', () => send({ port: socket.address().port }));
  close = () => socket.close();
} else if (kind === 'porta' || kind === 'porta-idle') {
  const sub = serve(udpTransport({ port: 0 }), (peer) => peer.messages, {
    ...(kind === 'porta-idle' ? { idleTimeoutMs: 30_000 } : {}),
  }).subscribe((event) => {
    if (event.type === 'listening') {
      handle = event.server;
      send({ port: event.local.port });
    }
  });
  close = () => sub.unsubscribe();
} else {
  console.error(`udpPeersServer: unknown kind ${kind}`);
  process.exit(2);
}

process.on('message', (message: string) => {
  if (message === 'start') {
    cpuAtStart = process.cpuUsage();
    outAtStart = counters().replies;
  } else if (message === 'stop') {
    const cpu = process.cpuUsage(cpuAtStart);
    const c = counters();
    send({ ...c, replies: c.replies - outAtStart, cpuUs: cpu.user + cpu.system });
  } else if (message === 'exit') {
    close();
    process.disconnect();
  }
});
