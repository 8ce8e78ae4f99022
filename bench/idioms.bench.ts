// What the Node idioms cost on the read path: one TCP connection on loopback, a raw node:net sender
// writing TOTAL bytes, and the client reading them through each idiom into a byte counter. The
// baselines are node:net's own 'data' events and Node's own `for await` over a net.Socket.
// Interleaved rounds, medians, CPU time of the whole process. Run: npm run bench -- idioms
import net from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openTcpConnection, type TcpConnection, toDuplex } from '@porta/tcp';
import { machine, median, table, writeSection } from './report.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.PORTA_BENCH_IDIOMS_BYTES ?? 256 * MiB);
const ROUNDS = Number(process.env.PORTA_BENCH_IDIOMS_ROUNDS ?? 5);
const CHUNK = Buffer.alloc(64 * 1024, 7);

type Reader = (port: number) => Promise<number>;

/** A server that writes TOTAL bytes to its one connection, honouring drain, then ends. */
async function sender(): Promise<{ port: number; close: () => Promise<void> }> {
  // Half-open, so the toDuplex reader's immediate end() (FIN) does not stop the sending.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < TOTAL) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    socket.on('error', () => {});
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const readers: Record<string, Reader> = {
  'node:net data events': (port) =>
    new Promise((resolve, reject) => {
      let n = 0;
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', (c: Buffer) => {
        n += c.length;
      });
      socket.on('end', () => resolve(n));
      socket.on('error', reject);
    }),
  'node:net for await': async (port) => {
    const socket = net.connect(port, '127.0.0.1');
    let n = 0;
    for await (const c of socket as AsyncIterable<Buffer>) n += c.length;
    return n;
  },
  'porta bytes.subscribe': async (port) => {
    const conn = await openTcpConnection({ host: '127.0.0.1', port });
    const n = await new Promise<number>((resolve, reject) => {
      let k = 0;
      conn.bytes.subscribe({ next: (c) => (k += c.length), complete: () => resolve(k), error: reject });
    });
    await conn[Symbol.asyncDispose]();
    return n;
  },
  'porta for await (paused per turn)': async (port) => {
    await using conn = await openTcpConnection({ host: '127.0.0.1', port });
    return await count(conn); // `await`: a bare return would dispose conn before the loop ran
  },
  'porta chunks({ highWaterMark: 1 MiB })': async (port) => {
    await using conn = await openTcpConnection({ host: '127.0.0.1', port });
    let n = 0;
    for await (const c of conn.chunks({ highWaterMark: MiB })) n += c.length;
    return n;
  },
  'porta toDuplex → pipeline': async (port) => {
    await using conn = await openTcpConnection({ host: '127.0.0.1', port });
    let n = 0;
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        n += c.length;
        cb();
      },
    });
    const duplex = toDuplex(conn);
    duplex.end(); // nothing to write: half-close at once
    await pipeline(duplex, sink);
    return n;
  },
};

async function count(conn: TcpConnection): Promise<number> {
  let n = 0;
  for await (const c of conn) n += c.length;
  return n;
}

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

export async function main(): Promise<void> {
  const names = Object.keys(readers);
  const cpuTimes = new Map<string, number[]>(names.map((n) => [n, []]));
  const wallTimes = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither end of a round is always first.
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const s = await sender();
      const c0 = cpu();
      const t0 = performance.now();
      const got = await readers[name]!(s.port);
      cpuTimes.get(name)!.push(cpu() - c0);
      wallTimes.get(name)!.push((performance.now() - t0) / 1000);
      await s.close();
      if (got !== TOTAL) throw new Error(`${name}: read ${got} of ${TOTAL} bytes`);
    }
  }
  const base = median(cpuTimes.get('node:net data events')!);
  const rows = names.map((name) => {
    const c = median(cpuTimes.get(name)!);
    const w = median(wallTimes.get(name)!);
    return [name, `${(TOTAL / MiB / w).toFixed(0)} MiB/s`, `${c.toFixed(3)} s`, `${(c / base).toFixed(2)}×`];
  });
  const md = [
    '## idioms',
    '',
    `Reading ${TOTAL / MiB} MiB from a raw node:net sender on loopback, ${ROUNDS} interleaved rounds, medians; CPU time of the whole process (both ends). ${machine()}`,
    '',
    table(['reader', 'throughput (wall)', 'CPU', 'CPU vs node:net data events'], rows),
  ].join('\n');
  console.log(md);
  writeSection('idioms', md);
}
