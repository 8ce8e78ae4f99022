import cluster from 'node:cluster';

/**
 * A worker's counters as it reports them to the primary: names to numbers (a `ServerStats`, a
 * listener's `stats`, or your own). The primary totals them by name across workers.
 *
 * @example
 * ```ts
 * const stats: WorkerStats = { answered: 120, clients: 8 };
 * ```
 */
export type WorkerStats = Readonly<Record<string, number>>;

/** The IPC message {@link reportStats} sends; the pool consumes it (it never reaches `onMessage`). */
export interface StatsMessage {
  readonly porta: 'stats';
  readonly stats: WorkerStats;
}

/** @internal True for a {@link StatsMessage}. */
export function isStatsMessage(message: unknown): message is StatsMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { porta?: unknown }).porta === 'stats' &&
    typeof (message as { stats?: unknown }).stats === 'object'
  );
}

/**
 * In a pool's worker, tells the primary this worker's counters now (running totals since it
 * started, not increments): the pool keeps each name's latest value per worker (names a report
 * leaves out keep theirs) and adds them up in `pool.stats()`. Report when something changes or on a timer, and once more as you drain, before
 * exiting. Resolves once the message is on its way (so `process.exit` after it loses nothing);
 * resolves `false` outside a pool.
 *
 * @example
 * ```ts
 * let answered = 0;
 * const clients = new Set<string>();
 * onShutdown(async () => {
 *   await reportStats({ answered, clients: clients.size });
 *   process.exit(0);
 * });
 * ```
 */
export function reportStats(stats: WorkerStats): Promise<boolean> {
  if (cluster.isPrimary || process.send === undefined) return Promise.resolve(false);
  const message: StatsMessage = { porta: 'stats', stats: numbersOf(stats) };
  return new Promise((resolve) => {
    process.send?.(message, undefined, {}, (error) => resolve(error === null || error === undefined));
  });
}

/** Only the finite numbers: a report must add up. */
function numbersOf(stats: WorkerStats): WorkerStats {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(stats)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}
