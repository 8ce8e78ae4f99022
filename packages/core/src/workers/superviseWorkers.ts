import cluster, { type Worker } from 'node:cluster';
import { type Observable, Subject } from 'rxjs';
import { InvalidArgumentError } from '../errors.js';
import { WorkerTotals } from '../internal/workerTotals.js';
import { checkPositiveInteger } from '../optionChecks.js';
import { type ForwardedServerEvent, isServerEventMessage } from './forwardServerEvents.js';
import { isStatsMessage, type WorkerStats } from './reportStats.js';
import { reusePortSupported } from './reusePortSupported.js';

/**
 * How a pool's workers share a port, as {@link superviseWorkers} decides it and
 * {@link workerBindMode} tells each worker:
 * - `reusePort`: each worker binds its own socket with `reusePort` (`bindUdp`, `listenTcp`), and the
 *   kernel spreads connections and UDP flows over them by a hash of the addresses — one UDP peer
 *   always reaches the same worker, and the primary touches no traffic.
 * - `cluster`: node:cluster's way. TCP: the primary accepts and hands connections round robin. UDP:
 *   one socket must be owned by the primary and its datagrams dispatched by peer (`@porta/udp`'s
 *   `UdpDispatcher`), since cluster's shared UDP handle wakes any worker for any datagram.
 *
 * @example
 * ```ts
 * const mode: WorkerBindMode = reusePortSupported() ? 'reusePort' : 'cluster';
 * ```
 */
export type WorkerBindMode = 'reusePort' | 'cluster';

/**
 * Totals across a pool's workers, from {@link WorkerPool.stats}, by worker slot (index): what the
 * slot's running worker last said with {@link reportStats} (or through {@link forwardServerEvents})
 * plus the counters of the slot's workers that have exited (crashed and replaced, or stopped) — not
 * their gauges (`active`, `open`), which died with them — and the sum of all slots by name.
 *
 * @example
 * ```ts
 * declare const pool: WorkerPool;
 * const { total, perWorker } = pool.stats(); // total.messagesIn, perWorker[1].messagesIn
 * ```
 */
export interface WorkerPoolStats {
  readonly perWorker: readonly WorkerStats[];
  readonly total: WorkerStats;
  /** Restarts so far, per worker index. */
  readonly restarts: readonly number[];
}

/**
 * A worker's server event, as {@link WorkerPool.serverEvents} republishes it.
 *
 * @example
 * ```ts
 * declare const pool: WorkerPool;
 * pool.serverEvents.subscribe(({ index, event }) => event.type === 'failed' && console.error(index, event.error));
 * ```
 */
export interface WorkerServerEvent {
  readonly index: number;
  readonly event: ForwardedServerEvent;
}

/**
 * Options of {@link superviseWorkers}.
 *
 * @example
 * ```ts
 * const options: SuperviseWorkersOptions = { workers: 4, restartDelayMs: 100, shutdownGraceMs: 5_000 };
 * ```
 */
export interface SuperviseWorkersOptions {
  /** How many worker processes to keep running (≥ 1). */
  readonly workers: number;
  /** First wait before restarting a crashed worker; doubles on each crash in a row. Default 100 ms. */
  readonly restartDelayMs?: number;
  /** The longest wait between restarts. Default 5 s. */
  readonly maxRestartDelayMs?: number;
  /** A worker that ran this long before crashing starts its backoff over. Default 10 s. */
  readonly stableAfterMs?: number;
  /** After `stop()`, workers still running this long are killed. Default 10 s. */
  readonly shutdownGraceMs?: number;
  /** Signals that make the primary stop gracefully. Default `SIGTERM` and `SIGINT`; `[]` for none. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Extra environment for every worker (the worker index is always in `PORTA_WORKER_INDEX`). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How workers share a port (see {@link WorkerBindMode}). Default `auto`: `reusePort` where
   * {@link reusePortSupported}, else `cluster`. Forcing `reusePort` where it is not supported throws.
   */
  readonly bindMode?: 'auto' | WorkerBindMode;
  /**
   * The script workers run. Default: this process's own (`process.argv[1]`), with its arguments —
   * the usual "one program, primary or worker" shape. Give one (with `args`, `execArgv`) to run a
   * different worker program.
   */
  readonly exec?: string;
  readonly args?: readonly string[];
  readonly execArgv?: readonly string[];
  /**
   * Stats names that are gauges (numbers about now, not counts): an exited worker's are not carried
   * into the totals. Default `active` (a `ServerStats`) and `open` (a TCP listener's).
   */
  readonly gauges?: readonly string[];
  /** Every message a worker sends with {@link reportToPrimary}, with the worker's index. */
  readonly onMessage?: (index: number, message: unknown) => void;
  /** Workers starting, exiting and being restarted, for logs and tests. */
  readonly onEvent?: (event: WorkerPoolEvent) => void;
}

/**
 * What happened to a pool's workers.
 *
 * @example
 * ```ts
 * superviseWorkers({ workers: 2, onEvent: (e) => console.error(e.type, e.index) });
 * ```
 */
export type WorkerPoolEvent =
  | { readonly type: 'online'; readonly index: number; readonly pid: number }
  | {
      readonly type: 'exit';
      readonly index: number;
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
    }
  | {
      readonly type: 'restarting';
      readonly index: number;
      readonly delayMs: number;
      readonly crashes: number;
    };

/**
 * A running pool of workers, from {@link superviseWorkers}.
 *
 * @example
 * ```ts
 * const pool = superviseWorkers({ workers: 2 });
 * await pool.stopped; // after SIGTERM: every worker gone
 * ```
 */
export interface WorkerPool {
  /** How many workers the pool keeps. */
  readonly size: number;
  /** Sends a message to worker `index`; false when it is not running (crashed, restarting, gone). */
  send(index: number, message: unknown): boolean;
  /** True while worker `index` is online. */
  isOnline(index: number): boolean;
  /** Restarts so far, per worker index. */
  readonly restarts: readonly number[];
  /** The mode the workers were told ({@link workerBindMode}). */
  readonly bindMode: WorkerBindMode;
  /** Totals across workers, from their {@link reportStats} and {@link forwardServerEvents}. */
  stats(): WorkerPoolStats;
  /** Every worker's forwarded server events ({@link forwardServerEvents}); completes once stopped. */
  readonly serverEvents: Observable<WorkerServerEvent>;
  /**
   * Graceful stop: every worker is asked to drain (a `{ porta: 'shutdown' }` message, see
   * {@link onShutdown}), and killed if still running after `shutdownGraceMs`. Resolves once all
   * are gone; the same promise as {@link WorkerPool.stopped}.
   */
  stop(): Promise<void>;
  /** Resolves once the pool has been stopped and every worker has exited. */
  readonly stopped: Promise<void>;
}

const SHUTDOWN = { porta: 'shutdown' } as const;

/**
 * Runs N copies of this program as `node:cluster` workers and keeps them running: the primary's
 * half of "many cores". A worker that exits unasked is restarted after a backoff (100 ms doubling
 * to 5 s by default, reset once a worker has run 10 s). SIGTERM or SIGINT to the primary (or
 * `stop()`) asks every worker to drain ({@link onShutdown}) and resolves `stopped` once all have
 * exited, killing those still running after the grace period.
 *
 * Workers run the same script with the same arguments; they tell themselves apart with
 * {@link workerIndex}, and learn how to bind from {@link workerBindMode}: with `reusePort` (Node ≥
 * 22.12) each binds its own socket and the kernel keeps each UDP peer on one of them; in `cluster`
 * mode a TCP listener shares the primary's socket (round robin) and a UDP server must take its
 * datagrams from the primary's `UdpDispatcher` (`@porta/udp`) — bound in each worker, cluster's
 * shared handle would spread one client's datagrams over all of them. Workers' counters reach
 * `pool.stats()` through {@link reportStats} and {@link forwardServerEvents}.
 *
 * IPC uses the `advanced` serialization, so messages can carry `Uint8Array`s.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * const workers = 4;
 * if (cluster.isPrimary) await superviseWorkers({ workers }).stopped;
 * else serve(tcpTransport({ port: 1060 }), (peer) => peer.messages).subscribe();
 * ```
 */
export function superviseWorkers(options: SuperviseWorkersOptions): WorkerPool {
  const size = checkPositiveInteger(options.workers, 'workers');
  if (!cluster.isPrimary) throw new InvalidArgumentError('superviseWorkers runs in the primary process only');
  const initialDelay = options.restartDelayMs ?? 100;
  const maxDelay = options.maxRestartDelayMs ?? 5_000;
  const stableAfter = options.stableAfterMs ?? 10_000;
  const grace = options.shutdownGraceMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const emit = options.onEvent ?? (() => {});
  const requested = options.bindMode ?? 'auto';
  if (requested === 'reusePort' && !reusePortSupported()) {
    throw new InvalidArgumentError(
      `bindMode 'reusePort' needs Node ≥ 22.12 on Linux, FreeBSD, Solaris or AIX; this is Node ${process.versions.node} on ${process.platform}`,
    );
  }
  const bindMode: WorkerBindMode =
    requested === 'auto' ? (reusePortSupported() ? 'reusePort' : 'cluster') : requested;
  const totals = new WorkerTotals(size, options.gauges ?? ['active', 'open']);
  const serverEvents = new Subject<WorkerServerEvent>();

  cluster.setupPrimary({
    serialization: 'advanced',
    ...(options.exec === undefined ? {} : { exec: options.exec }),
    ...(options.args === undefined ? {} : { args: [...options.args] }),
    ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
  });
  const workers: (Worker | undefined)[] = new Array(size).fill(undefined);
  const online: boolean[] = new Array(size).fill(false);
  const crashes: number[] = new Array(size).fill(0);
  const restarts: number[] = new Array(size).fill(0);
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const allGone = () => workers.every((w) => w === undefined);
  const fork = (index: number) => {
    const startedAt = Date.now();
    const worker = cluster.fork({
      ...options.env,
      PORTA_WORKER_INDEX: String(index),
      PORTA_WORKER_BIND: bindMode,
    });
    workers[index] = worker;
    worker.on('online', () => {
      online[index] = true;
      emit({ type: 'online', index, pid: worker.process.pid ?? 0 });
    });
    worker.on('message', (message: unknown) => {
      if (isStatsMessage(message)) totals.update(index, message.stats);
      else if (isServerEventMessage(message)) {
        totals.update(index, message.event.stats as unknown as WorkerStats);
        serverEvents.next({ index, event: message.event });
      } else options.onMessage?.(index, message);
    });
    worker.on('exit', (code, signal) => {
      online[index] = false;
      workers[index] = undefined;
      totals.retire(index);
      emit({ type: 'exit', index, pid: worker.process.pid ?? 0, code, signal });
      if (stopping) {
        if (allGone()) finish();
        return;
      }
      crashes[index] = Date.now() - startedAt >= stableAfter ? 1 : crashes[index]! + 1;
      const delayMs = Math.min(maxDelay, initialDelay * 2 ** (crashes[index]! - 1));
      emit({ type: 'restarting', index, delayMs, crashes: crashes[index]! });
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopping) return;
        restarts[index]!++;
        fork(index);
      }, delayMs);
      timers.add(timer);
    });
  };

  let killTimer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (killTimer) clearTimeout(killTimer);
    for (const signal of signals) process.off(signal, onSignal);
    serverEvents.complete();
    resolveStopped();
  };
  const stop = (): Promise<void> => {
    if (stopping) return stopped;
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (allGone()) {
      finish();
      return stopped;
    }
    for (const worker of workers) {
      if (worker?.isConnected()) worker.send(SHUTDOWN);
    }
    killTimer = setTimeout(() => {
      for (const worker of workers) worker?.process.kill('SIGKILL');
    }, grace);
    return stopped;
  };
  const onSignal = () => void stop();
  for (const signal of signals) process.on(signal, onSignal);

  for (let i = 0; i < size; i++) fork(i);

  return {
    size,
    restarts,
    bindMode,
    stats: () => ({ ...totals.snapshot(), restarts: [...restarts] }),
    serverEvents: serverEvents.asObservable(),
    send: (index, message) => {
      const worker = workers[index];
      if (worker === undefined || !online[index] || !worker.isConnected()) return false;
      return worker.send(message as never);
    },
    isOnline: (index) => online[index] === true,
    stop,
    stopped,
  };
}

/**
 * This process's index in its {@link superviseWorkers} pool (0 … N−1), or `undefined` when it is
 * not a pool's worker.
 *
 * @example
 * ```ts
 * const index = workerIndex(); // 0 in the first worker
 * ```
 */
export function workerIndex(): number | undefined {
  if (cluster.isPrimary) return undefined;
  const value = Number(process.env.PORTA_WORKER_INDEX);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * In a pool's worker, how its primary wants ports shared (see {@link WorkerBindMode}): `reusePort`
 * means bind your own socket with `reusePort: true`; `cluster` means bind as usual (TCP) or take
 * your datagrams from the primary's dispatcher (UDP). `undefined` outside a pool.
 *
 * @example
 * ```ts
 * import { bindUdp, dispatchedUdpSocket } from '@porta/udp';
 * const socket$ = workerBindMode() === 'reusePort' ? bindUdp({ port: 1060, reusePort: true }) : of(dispatchedUdpSocket());
 * ```
 */
export function workerBindMode(): WorkerBindMode | undefined {
  if (cluster.isPrimary) return undefined;
  const mode = process.env.PORTA_WORKER_BIND;
  return mode === 'reusePort' || mode === 'cluster' ? mode : undefined;
}

/**
 * In a pool's worker, runs `drain` once when the primary asks it to stop (SIGTERM to the primary,
 * or `pool.stop()`). `drain` should stop accepting, finish what is in flight, then let the process
 * exit (close every handle, or call `process.exit`). Returns a function that removes the handler.
 *
 * @example
 * ```ts
 * onShutdown(() => listener.shutdown(5_000).subscribe({ complete: () => process.exit(0) }));
 * ```
 */
export function onShutdown(drain: () => void): () => void {
  const onMessage = (message: unknown) => {
    if (
      typeof message === 'object' &&
      message !== null &&
      (message as { porta?: unknown }).porta === 'shutdown'
    ) {
      process.off('message', onMessage);
      drain();
    }
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

/**
 * In a pool's worker, sends `message` to the primary (its `onMessage`); false outside a pool.
 *
 * @example
 * ```ts
 * reportToPrimary({ porta: 'stats', served: 12 });
 * ```
 */
export function reportToPrimary(message: unknown): boolean {
  if (cluster.isPrimary || process.send === undefined) return false;
  return process.send(message as never);
}
