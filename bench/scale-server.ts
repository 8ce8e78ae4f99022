// The server side of bench/scale.bench.ts, run as its own process (it becomes a cluster primary):
//   node --import tsx bench/scale-server.ts udp|tcp single|shared|dispatch WORKERS PORT
// Echoes UDP datagrams / TCP lines. Prints "ready" once serving; on SIGTERM prints one JSON line:
// per-worker message counts, distinct remotes each worker saw (= actors it would build) and CPU ms.
import cluster from 'node:cluster';
import { lines, onShutdown, reportToPrimary, superviseWorkers, workerIndex } from '@porta/core';
import { listenTcp } from '@porta/tcp';
import { bindUdp, dispatchedUdpSocket, UdpDispatcher, type UdpSocket } from '@porta/udp';
import { catchError, concatMap, EMPTY, mergeMap, type Observable, of, switchMap, tap } from 'rxjs';

const [proto = 'udp', mode = 'single', workersText = '1', portText = '0'] = process.argv.slice(2);
const workers = Number(workersText);
const port = Number(portText);

interface WorkerReport {
  readonly porta: 'bench-report';
  readonly messages: number;
  readonly remotes: number;
  readonly cpuMs: number;
}

let messages = 0;
const remotes = new Set<string>();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const announce = () => {
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
  return listenTcp({ port }).pipe(
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
      : serveUdp(mode === 'dispatch' && cluster.isWorker ? of(dispatchedUdpSocket()) : bindUdp({ port }));
  const subscription = work.subscribe({ error: (e: Error) => console.error(e.message) });
  const report = () => {
    subscription.unsubscribe();
    const r: WorkerReport = { porta: 'bench-report', messages, remotes: remotes.size, cpuMs: cpuMs() };
    if (cluster.isWorker) reportToPrimary(r);
    return r;
  };
  if (cluster.isWorker) {
    onShutdown(() => {
      report();
      setTimeout(() => process.exit(0), 50);
    });
    process.on('SIGINT', () => {});
  } else {
    process.once('SIGTERM', () => {
      const r = report();
      console.log(
        JSON.stringify({ perWorker: [r.messages], remotes: [r.remotes], cpuMs: r.cpuMs, dropped: 0 }),
      );
      process.exit(0);
    });
    console.log('ready');
  }
}

if (mode === 'single' || cluster.isWorker) {
  void workerIndex;
  runServer();
} else {
  const reports = new Map<number, WorkerReport>();
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
    ...(proto === 'udp' && mode === 'dispatch'
      ? { env: { PORTA_UDP_LOCAL: JSON.stringify({ address: '127.0.0.1', port, family: 'IPv4' }) } }
      : {}),
    onMessage: (index, message) => {
      if ((message as { porta?: string }).porta === 'bench-ready') {
        // Dispatch: a worker reads once its socket is subscribed, which is when it announces.
        if (++online === workers) console.log('ready');
        return;
      }
      if (dispatcher?.handle(index, message)) return;
      if ((message as WorkerReport).porta === 'bench-report') reports.set(index, message as WorkerReport);
    },
  });
  const started = dispatcher?.start();
  await pool.stopped;
  started?.unsubscribe();
  closeSocket();
  const ordered = [...Array(workers).keys()].map((i) => reports.get(i));
  console.log(
    JSON.stringify({
      perWorker: ordered.map((r) => r?.messages ?? 0),
      remotes: ordered.map((r) => r?.remotes ?? 0),
      cpuMs: cpuMs() + ordered.reduce((n, r) => n + (r?.cpuMs ?? 0), 0),
      dropped: dispatcher?.stats.dropped ?? 0,
    }),
  );
  process.exit(0);
}
