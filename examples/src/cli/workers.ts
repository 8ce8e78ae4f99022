import cluster from 'node:cluster';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import {
  type DatagramSocket,
  type Endpoint,
  onShutdown,
  reportStats,
  reportToPrimary,
  reusePortSupported,
  superviseWorkers,
  type WorkerBindMode,
  type WorkerPoolEvent,
  workerBindMode,
} from '@porta/core';
import { bindUdp, dispatchedUdpSocket, UdpDispatcher, type UdpSocket } from '@porta/udp';
import { finalize, merge, Observable, type Subscription, take, tap } from 'rxjs';
import { messages } from '../messages.js';
import { pyAddress } from '../python.js';
import { type Args, integer, UsageError } from './args.js';
import type { CliIo } from './cliIo.js';
import { ExitCode } from './exitCodes.js';
import type { FailureContext } from './failure.js';
import { runCommand } from './runCommand.js';

/**
 * `--workers N` (default 1): how many processes serve. Refuses 0, negatives and more than 64.
 *
 * @example
 * ```ts
 * const workers = workerCount(args); // 1 unless --workers was given
 * ```
 */
export function workerCount(args: Args): number {
  const n = integer(args, 'workers') ?? 1;
  if (n < 1 || n > 64) throw new UsageError(`--workers must be from 1 to 64, got ${n}`);
  return n;
}

/** True in a worker process started by {@link runPrimary}. */
export function isWorker(): boolean {
  return cluster.isWorker && process.env.PORTA_WORKER_INDEX !== undefined;
}

/**
 * In a worker: emits once when the primary asks this worker to drain (SIGTERM to the primary).
 *
 * @example
 * ```ts
 * tcp16Server({ ...common, stop: shutdownRequests() });
 * ```
 */
export function shutdownRequests(): Observable<void> {
  return new Observable<void>((subscriber) =>
    onShutdown(() => {
      subscriber.next();
      subscriber.complete();
    }),
  );
}

/** A worker's interrupt: Ctrl+C, or the primary asking it to stop. */
export function workerInterrupt(io: CliIo): Observable<unknown> {
  return merge(io.interrupt, shutdownRequests()).pipe(take(1));
}

/**
 * The port a server binds: the command's `-p`, or in a `reusePort` worker the one its primary
 * chose (with `-p 0` every worker would otherwise get a port of its own).
 */
export function serverPort(port: number): number {
  const chosen = Number(process.env.PORTA_WORKER_PORT);
  return isWorker() && Number.isInteger(chosen) && chosen > 0 ? chosen : port;
}

/**
 * A UDP server's socket in a worker: its own, bound with `reusePort` (the kernel keeps each client
 * on one worker), or the primary's, through its dispatcher (Node without `reusePort`).
 */
export function workerUdpSocket(
  port: number,
): { readonly socket: DatagramSocket } | { readonly reusePort: true; readonly port: number } {
  return workerBindMode() === 'reusePort'
    ? { reusePort: true, port: serverPort(port) }
    : { socket: dispatchedUdpSocket() };
}

/** What a course server emits, as far as the primary's totals care. */
interface CountedEvent {
  readonly type: string;
  readonly from?: Endpoint;
}

/**
 * Runs a course server in a worker: as {@link runCommand}, and reports to the primary how many
 * events of each type it emitted (`answered`, `dropped`, `failed`) and how many clients it saw —
 * every second, and once more before the worker exits, so the primary's totals are complete.
 */
export async function runWorker(
  work: Observable<CountedEvent>,
  io: CliIo,
  failure: FailureContext,
): Promise<number> {
  const counts: Record<string, number> = {};
  const clients = new Set<string>();
  const report = () => reportStats({ ...counts, clients: clients.size });
  const timer = setInterval(() => void report(), 1_000);
  timer.unref();
  const counted = work.pipe(
    tap((event) => {
      if (event.type === 'listening') reportToPrimary({ porta: 'listening' });
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      if (event.from !== undefined) clients.add(`${event.from.address}|${event.from.port}`);
    }),
    finalize(() => clearInterval(timer)),
  );
  const code = await runCommand(counted, io, failure);
  await report();
  return code;
}

/** A free port on `host`, found by binding port 0 (for `reusePort` workers of a `-p 0` server). */
async function freePort(kind: 'udp' | 'tcp', host: string): Promise<number> {
  if (kind === 'udp') {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((done) => socket.bind(0, host, done));
    const { port } = socket.address();
    await new Promise<void>((done) => socket.close(() => done()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, host, done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** What {@link runPrimary} runs. */
export interface PrimaryOptions {
  readonly workers: number;
  readonly io: CliIo;
  readonly args: Args;
  /** The server's address. */
  readonly host: string;
  readonly port: number;
  /** UDP: without `reusePort` the primary binds and dispatches each client to one worker. */
  readonly kind: 'udp' | 'tcp';
}

/**
 * The primary of `--workers N`: forks N copies of this command (they see {@link isWorker}),
 * restarts crashed ones with a backoff, and on SIGTERM/SIGINT asks them to drain and waits for
 * all. Where Node has `reusePort` each worker binds the port itself and the kernel spreads clients
 * (one UDP client always to the same worker); elsewhere TCP workers share cluster's listener and
 * for UDP the primary owns the socket and keeps each client on one worker ({@link UdpDispatcher}).
 * Prints the totals across workers when it stops.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { workers, io, args, host, kind } = options;
  const bindMode: WorkerBindMode = reusePortSupported() ? 'reusePort' : 'cluster';
  const name = `porta ${args.command}`;
  let dispatcher: UdpDispatcher | undefined;
  let socketSubscription: Subscription | undefined;
  const env: Record<string, string> = {};
  if (bindMode === 'reusePort') {
    // Every worker binds this port: with 0 each would get one of its own.
    env.PORTA_WORKER_PORT = String(options.port === 0 ? await freePort(kind, host) : options.port);
  } else if (kind === 'udp') {
    const socket = await new Promise<UdpSocket>((resolve, reject) => {
      socketSubscription = bindUdp({ address: host, port: options.port }).subscribe({
        next: resolve,
        error: reject,
      });
    });
    env.PORTA_UDP_LOCAL = JSON.stringify(socket.local);
    io.out(messages(args.lang).lengthServer.listening(pyAddress(socket.local)));
    dispatcher = new UdpDispatcher(
      socket,
      { size: workers, send: (i, m) => pool.send(i, m) },
      { onReady: (index) => io.err(`${name}: worker ${index} ready`) },
    );
  }
  const describe = (e: WorkerPoolEvent) =>
    e.type === 'online'
      ? `${name}: worker ${e.index} started (pid ${e.pid})`
      : e.type === 'exit'
        ? `${name}: worker ${e.index} exited (${e.signal ?? `code ${e.code}`})`
        : `${name}: restarting worker ${e.index} in ${e.delayMs} ms (crash ${e.crashes})`;
  const pool = superviseWorkers({
    workers,
    bindMode,
    // The command's own interrupt (SIGINT, SIGTERM, a closed stdout) stops the pool, below.
    signals: [],
    env,
    onMessage: (index, message) => {
      if (dispatcher?.handle(index, message)) return;
      // A worker that binds (reusePort, or TCP through cluster) serves once it says `listening`.
      if ((message as { porta?: unknown }).porta === 'listening') io.err(`${name}: worker ${index} ready`);
    },
    onEvent: (e) => {
      if (e.type === 'exit') dispatcher?.workerGone(e.index);
      io.err(describe(e));
    },
  });
  const started = dispatcher?.start();
  const interrupted = io.interrupt.pipe(take(1)).subscribe(() => void pool.stop());
  await pool.stopped;
  interrupted.unsubscribe();
  started?.unsubscribe();
  const { perWorker, total, restarts } = pool.stats();
  const each = (key: string) =>
    `${total[key] ?? 0} ${key}, per worker ${perWorker.map((w) => w[key] ?? 0).join('/')}`;
  const served =
    kind === 'udp'
      ? [each('answered'), each('clients'), `${total.dropped ?? 0} dropped`]
      : [each('answered'), each('clients'), `${total.failed ?? 0} failed`];
  const dispatched = dispatcher
    ? [
        `dispatcher ${dispatcher.stats.received} datagrams, per worker ${dispatcher.stats.perWorker.join('/')}, ${dispatcher.stats.dropped} dropped`,
      ]
    : [];
  io.err(
    `${name}: ${workers} workers stopped (${bindMode}); ${[...served, ...dispatched, `restarts ${restarts.join('/')}`].join('; ')}`,
  );
  socketSubscription?.unsubscribe();
  return ExitCode.Ok;
}
