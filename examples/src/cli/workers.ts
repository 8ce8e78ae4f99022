import cluster from 'node:cluster';
import { type Endpoint, onShutdown, superviseWorkers, type WorkerPoolEvent } from '@porta/core';
import { bindUdp, UdpDispatcher, type UdpSocket } from '@porta/udp';
import { merge, Observable, type Subscription, take } from 'rxjs';
import { messages } from '../messages.js';
import { pyAddress } from '../python.js';
import { type Args, integer, UsageError } from './args.js';
import type { CliIo } from './cliIo.js';
import { ExitCode } from './exitCodes.js';

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

/** What {@link runPrimary} runs. */
export interface PrimaryOptions {
  readonly workers: number;
  readonly io: CliIo;
  readonly args: Args;
  /** UDP: the primary binds here and dispatches each client to one worker. TCP: omit (cluster shares the listener). */
  readonly udp?: { readonly host: string; readonly port: number };
}

/**
 * The primary of `--workers N`: forks N copies of this command (they see {@link isWorker}),
 * restarts crashed ones with a backoff, and on SIGTERM/SIGINT asks them to drain and waits for
 * all. For UDP it owns the socket and keeps each client on one worker ({@link UdpDispatcher}).
 * Prints the per-worker totals when it stops.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { workers, io, args, udp } = options;
  let dispatcher: UdpDispatcher | undefined;
  let socketSubscription: Subscription | undefined;
  let local: Endpoint | undefined;
  if (udp) {
    const socket = await new Promise<UdpSocket>((resolve, reject) => {
      socketSubscription = bindUdp({ address: udp.host, port: udp.port }).subscribe({
        next: resolve,
        error: reject,
      });
    });
    local = socket.local;
    io.out(messages(args.lang).lengthServer.listening(pyAddress(socket.local)));
    dispatcher = new UdpDispatcher(
      socket,
      { size: workers, send: (i, m) => pool.send(i, m) },
      { onReady: (index) => io.err(`porta ${args.command}: worker ${index} ready`) },
    );
  }
  const describe = (e: WorkerPoolEvent) =>
    e.type === 'online'
      ? `porta ${args.command}: worker ${e.index} started (pid ${e.pid})`
      : e.type === 'exit'
        ? `porta ${args.command}: worker ${e.index} exited (${e.signal ?? `code ${e.code}`})`
        : `porta ${args.command}: restarting worker ${e.index} in ${e.delayMs} ms (crash ${e.crashes})`;
  const pool = superviseWorkers({
    workers,
    // The command's own interrupt (SIGINT, SIGTERM, a closed stdout) stops the pool, below.
    signals: [],
    ...(local ? { env: { PORTA_UDP_LOCAL: JSON.stringify(local) } } : {}),
    onMessage: (index, message) => dispatcher?.handle(index, message),
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
  if (dispatcher) {
    const { received, perWorker, dropped } = dispatcher.stats;
    io.err(
      `porta ${args.command}: ${workers} workers stopped; ${received} datagrams, per worker ${perWorker.join('/')}, ${dropped} dropped`,
    );
  } else {
    io.err(`porta ${args.command}: ${workers} workers stopped; restarts ${pool.restarts.join('/')}`);
  }
  socketSubscription?.unsubscribe();
  return ExitCode.Ok;
}
