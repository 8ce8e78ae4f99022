// Issue 14's many-peer figures, kept apart from docs/BENCHMARKS.md's prose: each many-peer bench
// records its ratios in docs/many-peers/<bench>.json under a phase (BENCH_PHASE, default `after`;
// `before` is the run taken before a change), and the chart docs/bench-many-peers.svg is redrawn
// from every such file (bench/manyPeersChart.ts). Run on its own, it redraws them from the files as
// they are (e.g. after another bench added its JSON):  node --import tsx bench/manyPeers.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeManyPeersChart } from './manyPeersChart.js';
import { writeSection } from './report.js';

export const MANY_PEERS_DIR = new URL('../docs/many-peers/', import.meta.url);

/** One compared pair: porta ÷ its raw-Node baseline (higher is better for porta), with the facts. */
export interface ManyPeersRow {
  readonly label: string;
  /** porta ÷ raw, median of paired rounds; > 1 means porta does better (faster, or less memory). */
  readonly ratio: number;
  readonly [fact: string]: string | number;
}

/** One run of a bench: when, where, and its rows. */
export interface ManyPeersRun {
  readonly date: string;
  readonly node: string;
  readonly load: number;
  readonly cores: number;
  readonly rounds: number;
  readonly rows: readonly ManyPeersRow[];
}

/** The phase this run is recorded under: `BENCH_PHASE=before|after` (default `after`). */
export function manyPeersPhase(): string {
  return process.env.BENCH_PHASE ?? 'after';
}

/**
 * Keeps `record` as `bench`'s figures for `phase` in docs/many-peers/<bench>.json, beside the
 * figures of its other phases (the one read-merge-write every many-peer bench uses).
 */
export function writePhaseRecord(bench: string, phase: string, record: object): void {
  mkdirSync(MANY_PEERS_DIR, { recursive: true });
  const file = new URL(`${bench}.json`, MANY_PEERS_DIR);
  let phases: Record<string, unknown> = {};
  try {
    phases = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run of this bench
  }
  phases[phase] = record;
  writeFileSync(file, `${JSON.stringify(phases, null, 2)}\n`);
}

/** Writes `rows` as `bench`'s run for the current phase, keeping its other phases, then redraws the chart. */
export function recordManyPeers(bench: string, rounds: number, rows: readonly ManyPeersRow[]): void {
  const run: ManyPeersRun = {
    date: new Date().toISOString(),
    node: process.version,
    load: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    cores: os.cpus().length,
    rounds,
    rows,
  };
  writePhaseRecord(bench, manyPeersPhase(), run);
  writeManyPeersSection();
}

/** Redraws the chart and the `many-peers` section of docs/BENCHMARKS.md from every JSON file. */
export function writeManyPeersSection(): void {
  const summary = writeManyPeersChart();
  writeSection(
    'many-peers',
    `## Many peers: before and after (issue 14)

Each many-peer bench records its ratios in \`docs/many-peers/<bench>.json\` under the phase it ran
as (\`BENCH_PHASE=before\`, taken before the change; \`after\` by default), and the chart below is
redrawn from every such file. The sections of each bench, below, say how it was measured.

How noise was judged: the machine is shared (2 cores, several agents; the load average of each run is
listed below), so absolute rates move by ±30% from run to run. Every figure here is therefore a ratio
taken inside one run: porta and its baseline alternate in rounds (order rotated), each round gives one
paired ratio, and the figure is the median of those pairs; each bench's section gives the range of the
pairs. A change counts only where its after ÷ before ratio lies outside the spread of the pairs;
req/s of the UDP benches, which on a loaded machine follow the scheduler more than the server, are
read together with CPU per reply (the server's own cost, which load does not inflate as much).

![porta ÷ raw Node under many peers, before and after](bench-many-peers.svg)

${summary}`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  writeManyPeersSection();
