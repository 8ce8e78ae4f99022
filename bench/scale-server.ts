// The server side of bench/scale.bench.ts, run as its own process (it becomes a cluster primary):
//   node --import tsx bench/scale-server.ts udp|tcp single|shared|dispatch|reuseport WORKERS PORT
// Echoes UDP datagrams / TCP lines. Modes: `single` one process; `shared` node:cluster's shared
// handle (TCP: the primary's round robin; UDP: any worker woken for any datagram); `dispatch` (UDP)
// the primary owns the socket and porta's UdpDispatcher keeps each peer on one worker; `reuseport`
// each worker binds its own socket with SO_REUSEPORT (Node ≥ 22.12). Prints "ready" once every
// worker serves; on SIGTERM one JSON line: per-worker message counts, distinct remotes per worker
// (= actors it would build) and the CPU ms every process spent after "ready".
import cluster from 'node:cluster';
import { lines, onShutdown, reportStats, reportToPrimary, superviseWorkers } from '@porta/core';
import { listenTcp } from '@porta/tcp';
import { bindUdp, dispatchedUdpSocket, UdpDispatcher, type UdpSocket } from '@porta/udp';
import { catchError, concatMap, EMPTY, mergeMap, type Observable, of, switchMap, tap } from 'rxjs';

const [proto = 'udp', mode = 'single', workersText = '1', portText = '0'] = process.argv.slice(2);
const workers = Number(workersText);
const port = Number(portText);
const reusePort = mode === 'reuseport';

let messages = 0;
const remotes = new Set<string>();
let cpuAtReady = 0;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const announce = () => {
  cpuAtReady = cpuMs();
  if (cluster.isWorker) reportToPrimary({ porta: 'bench-ready' });
};

function serveUdp(socket$: Observable<Pick<UdpSocket, 'datagrams' | 'send'>>) {
  return socket$.pipe(
    tap(() => announce()),
    switchMap((socket) =>
      socket.datagrams.pipe(
        mergeMap((d) => {
          messages++;
          remotes.add(`${d.remote.address}:${d.remote.port}`);
          return socket.send(d.data, d.remote).pipe(catchError(() => EMPTY));
        }),
      ),
    ),
  );
}

function serveTcp() {
  return listenTcp({ port, ...(reusePort ? { reusePort } : {}) }).pipe(
    tap(() => announce()),
    switchMap((listener) => listener.connections),
    mergeMap((conn) => {
      remotes.add(`${conn.remote.address}:${conn.remote.port}`);
      return conn.bytes.pipe(
        lines({ keepEnds: true }),
        concatMap((line) => {
          messages++;
          return conn.send(line);
        }),
        // The load generator closes its connections abruptly when its time is up.
        catchError(() => EMPTY),
      );
    }),
  );
}

function runServer(): void {
  const work =
    proto === 'tcp'
      ? serveTcp()
      : serveUdp(
          mode === 'dispatch' && cluster.isWorker
            ? of(dispatchedUdpSocket())
            : bindUdp({ port, ...(reusePort ? { reusePort } : {}) }),
        );
  const subscription = work.subscribe({ error: (e: Error) => console.error(e.message) });
  const totals = () => ({ messages, remotes: remotes.size, cpuMs: cpuMs() - cpuAtReady });
  if (cluster.isWorker) {
    onShutdown(() => {
      subscription.unsubscribe();
      void reportStats(totals()).then(() => process.exit(0));
    });
    process.on('SIGINT', () => {});
  } else {
    process.once('SIGTERM', () => {
      subscription.unsubscribe();
      const r = totals();
      console.log(
        JSON.stringify({ perWorker: [r.messages], remotes: [r.remotes], cpuMs: r.cpuMs, dropped: 0 }),
      );
      process.exit(0);
    });
    console.log('ready');
  }
}

if (mode === 'single' || cluster.isWorker) {
  runServer();
} else {
  let dispatcher: UdpDispatcher | undefined;
  let closeSocket = () => {};
  if (proto === 'udp' && mode === 'dispatch') {
    const socket = await new Promise<UdpSocket>((resolve) => {
      const s = bindUdp({ port }).subscribe(resolve);
      closeSocket = () => s.unsubscribe();
    });
    dispatcher = new UdpDispatcher(socket, { size: workers, send: (i, m) => pool.send(i, m) });
  }
  let online = 0;
  const pool = superviseWorkers({
    workers,
    signals: ['SIGTERM'],
    bindMode: reusePort ? 'reusePort' : 'cluster',
    ...(proto === 'udp' && mode === 'dispatch'
      ? { env: { PORTA_UDP_LOCAL: JSON.stringify({ address: '127.0.0.1', port, family: 'IPv4' }) } }
      : {}),
    onMessage: (index, message) => {
      if ((message as { porta?: string }).porta === 'bench-ready') {
        // Dispatch: a worker reads once its socket is subscribed, which is when it announces.
        if (++online === workers) {
          cpuAtReady = cpuMs();
          console.log('ready');
        }
        return;
      }
      dispatcher?.handle(index, message);
    },
  });
  const started = dispatcher?.start();
  await pool.stopped;
  started?.unsubscribe();
  closeSocket();
  const { perWorker } = pool.stats();
  console.log(
    JSON.stringify({
      perWorker: perWorker.map((r) => r.messages ?? 0),
      remotes: perWorker.map((r) => r.remotes ?? 0),
      cpuMs: cpuMs() - cpuAtReady + perWorker.reduce((n, r) => n + (r.cpuMs ?? 0), 0),
      dropped: dispatcher?.stats.dropped ?? 0,
    }),
  );
  process.exit(0);
}
