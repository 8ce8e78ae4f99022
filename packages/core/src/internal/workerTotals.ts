import type { WorkerStats } from '../workers/reportStats.js';

/**
 * The primary's tally of its workers' reports, per worker slot (index). Each worker reports
 * running totals, so a name's latest value replaces the one before; when a worker exits its counters
 * are kept for its slot (its successor starts again from zero), but its gauges (`active`, `open`:
 * numbers about now) die with it.
 */
export class WorkerTotals {
  readonly #current: (WorkerStats | undefined)[];
  readonly #retired: Record<string, number>[];
  readonly #gauges: ReadonlySet<string>;

  constructor(size: number, gauges: Iterable<string>) {
    this.#current = new Array<WorkerStats | undefined>(size).fill(undefined);
    this.#retired = Array.from({ length: size }, () => ({}));
    this.#gauges = new Set(gauges);
  }

  /** A report names running totals: each name's latest value wins, names not in it are kept. */
  update(index: number, stats: WorkerStats): void {
    this.#current[index] = { ...this.#current[index], ...stats };
  }

  retire(index: number): void {
    const last = this.#current[index];
    this.#current[index] = undefined;
    const retired = this.#retired[index]!;
    for (const [key, value] of Object.entries(last ?? {})) {
      if (!this.#gauges.has(key)) retired[key] = (retired[key] ?? 0) + value;
    }
  }

  /** Per slot: its exited workers' counters plus the running one's latest report. Total: their sum. */
  snapshot(): { readonly perWorker: readonly WorkerStats[]; readonly total: WorkerStats } {
    const total: Record<string, number> = {};
    const perWorker = this.#current.map((current, index) => {
      const slot: Record<string, number> = { ...this.#retired[index] };
      for (const [key, value] of Object.entries(current ?? {})) slot[key] = (slot[key] ?? 0) + value;
      for (const [key, value] of Object.entries(slot)) total[key] = (total[key] ?? 0) + value;
      return slot;
    });
    return { perWorker, total };
  }
}
