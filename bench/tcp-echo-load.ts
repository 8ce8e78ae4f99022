// The load side of bench/tcp-echo.bench.ts, in its own process so the server's CPU is its own:
//   node --import tsx bench/tcp-echo-load.ts PORT CONNECTIONS REQUESTS WINDOW
// Each connection keeps WINDOW lines of 32 bytes in flight and sends REQUESTS in all: one write of
// the replacement lines per chunk of replies (the client must not be the bottleneck). Prints
// `start` once every connection is up and the first lines go out, then {"ms":…,"replies":…}.
import net from 'node:net';

const [portText = '0', connsText = '256', requestsText = '2000', windowText = '16'] = process.argv.slice(2);
const port = Number(portText);
const conns = Number(connsText);
const requests = Number(requestsText);
const window = Number(windowText);
const LINE = 32;
const NL = 0x0a;
const lineBlock = Buffer.alloc(LINE * window, 0x61);
for (let i = 0; i < window; i++) lineBlock[i * LINE + LINE - 1] = NL;

const sockets: net.Socket[] = [];
let connected = 0;
let finished = 0;
let replies = 0;
let started = 0;

function finish(): void {
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, replies }));
  for (const s of sockets) s.destroy();
}

function go(): void {
  console.log('start');
  started = performance.now();
  for (const socket of sockets) {
    let sent = window;
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      let got = 0;
      for (let at = chunk.indexOf(NL); at >= 0; at = chunk.indexOf(NL, at + 1)) got++;
      received += got;
      replies += got;
      const more = Math.min(got, requests - sent);
      if (more > 0) {
        sent += more;
        socket.write(more === window ? lineBlock : lineBlock.subarray(0, more * LINE));
      }
      if (received === requests && ++finished === conns) finish();
    });
    socket.write(lineBlock);
  }
}

for (let c = 0; c < conns; c++) {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
    if (++connected === conns) go();
  });
  socket.on('error', (err) => {
    console.error(`tcp-echo load: ${err.message}`);
    process.exit(1);
  });
  sockets.push(socket);
}
