import cluster, { type Worker } from 'node:cluster';
import { InvalidArgumentError } from '../errors.js';

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
 * {@link workerIndex}. A TCP server that listens in a worker shares the primary's listening socket
 * (cluster's round robin). A UDP server must not bind in each worker — the kernel would spread
 * one client's datagrams over all of them — see `@porta/udp`'s `dispatchUdp`.
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
  const size = options.workers;
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidArgumentError(`workers must be an integer ≥ 1, got ${String(size)}`);
  }
  if (!cluster.isPrimary) throw new InvalidArgumentError('superviseWorkers runs in the primary process only');
  const initialDelay = options.restartDelayMs ?? 100;
  const maxDelay = options.maxRestartDelayMs ?? 5_000;
  const stableAfter = options.stableAfterMs ?? 10_000;
  const grace = options.shutdownGraceMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const emit = options.onEvent ?? (() => {});

  cluster.setupPrimary({ serialization: 'advanced' });
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
    const worker = cluster.fork({ ...options.env, PORTA_WORKER_INDEX: String(index) });
    workers[index] = worker;
    worker.on('online', () => {
      online[index] = true;
      emit({ type: 'online', index, pid: worker.process.pid ?? 0 });
    });
    worker.on('message', (message: unknown) => options.onMessage?.(index, message));
    worker.on('exit', (code, signal) => {
      online[index] = false;
      workers[index] = undefined;
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
