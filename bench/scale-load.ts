// The load side of bench/scale.bench.ts, its own process so the server's cores are not shared with
// the client's event loop:  node bench/scale-load.ts udp|tcp PORT CLIENTS WINDOW MS
// Each client keeps WINDOW messages in flight (a new one per reply) for MS; prints {"replies":N}.
import dgram from 'node:dgram';
import net from 'node:net';

const [proto = 'udp', portText = '0', clientsText = '8', windowText = '4', msText = '2000'] =
  process.argv.slice(2);
const port = Number(portText);
const clients = Number(clientsText);
const window = Number(windowText);
const ms = Number(msText);
const payload = Buffer.alloc(64, 0x61);
const line = Buffer.concat([Buffer.alloc(63, 0x61), Buffer.from('\n')]);

let replies = 0;
let running = true;
const closers: (() => void)[] = [];

for (let c = 0; c < clients; c++) {
  if (proto === 'udp') {
    const socket = dgram.createSocket('udp4');
    socket.on('message', () => {
      replies++;
      if (running) socket.send(payload, port, '127.0.0.1');
    });
    socket.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < window; i++) socket.send(payload, port, '127.0.0.1');
    });
    closers.push(() => socket.close());
  } else {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let at = pending.indexOf('\n');
      while (at >= 0) {
        replies++;
        pending = pending.slice(at + 1);
        if (running) socket.write(line);
        at = pending.indexOf('\n');
      }
    });
    socket.on('connect', () => {
      for (let i = 0; i < window; i++) socket.write(line);
    });
    socket.on('error', () => {});
    closers.push(() => socket.destroy());
  }
}

setTimeout(() => {
  running = false;
  console.log(JSON.stringify({ replies, ms }));
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 100);
}, ms);
