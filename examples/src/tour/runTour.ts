import type { PacketCapture } from '@porta/core';
import { fromEvent, type MonoTypeOperatorFunction, takeUntil } from 'rxjs';
import { captureOf } from '../captureOf.js';
import type { Lang, Log } from '../messages.js';
import { check, type StepContext, type StepOutcome, type TourCheck } from './step.js';
import { kcpStep } from './steps/kcpStep.js';
import { promiscuousStep } from './steps/promiscuousStep.js';
import { simulatedStep } from './steps/simulatedStep.js';
import { tcp16Step } from './steps/tcp16Step.js';
import { ticTacToeStep } from './steps/ticTacToeStep.js';
import { udpLocalStep } from './steps/udpLocalStep.js';
import { serverDownStep, udpRemoteStep } from './steps/udpRemoteSteps.js';
import { style as makeStyle } from './style.js';
import { addCounts, type Counts, NO_COUNTS, summaryTable } from './table.js';
import { type TourText, tourText } from './tourText.js';

export type { TourCheck } from './step.js';

/** Options of {@link runTour}. */
export interface TourOptions {
  /** Language of the tour and of the examples' own lines (default `en`; `pt` prints the course's messages). */
  readonly lang?: Lang;
  /** Where the tour writes (default `console.log`). */
  readonly out?: Log;
  /** ANSI colours (default: only when stdout is a terminal). */
  readonly color?: boolean;
  /**
   * Seed of the lossy `udp-remote` server (default 9: with Python's generator it drops the first
   * three requests, so the client prints the course's 0.1, 0.2, 0.4, 0.8 s waits).
   */
  readonly seed?: number;
  /**
   * Stops the tour: the running step's sockets close, no further step runs, and the report says
   * `stopped` (the `porta` command aborts it on Ctrl+C, SIGTERM, or when stdout's reader goes away).
   */
  readonly signal?: AbortSignal;
  /**
   * Record every step's traffic in a pcapng capture (`porta tour --pcap FILE`): the clients' sockets,
   * so each datagram and segment is recorded once; the first packet of each step says which step it
   * is. The simulated step binds no real socket and is not in it.
   */
  readonly capture?: PacketCapture;
}

/** One step of the tour. */
export interface TourStep {
  readonly name: string;
  readonly counts: Counts;
  readonly checks: readonly TourCheck[];
  readonly ok: boolean;
}

/** What the tour found. `ok` only if every check of every step held and the tour ran to the end. */
export interface TourReport {
  readonly ok: boolean;
  readonly steps: readonly TourStep[];
  readonly totals: Counts;
  readonly elapsedMs: number;
  /** True when `signal` stopped the tour before its last step. */
  readonly stopped: boolean;
}

type StepName = keyof TourText['steps'];

interface Step {
  readonly name: StepName;
  readonly run: (ctx: StepContext) => Promise<StepOutcome>;
  /** False for a step that opens no real socket: nothing of it is in a capture. */
  readonly captured?: false;
}

const STEPS: readonly Step[] = [
  { name: 'udp-local', run: udpLocalStep },
  { name: 'tcp-16', run: tcp16Step },
  { name: 'udp-remote', run: udpRemoteStep },
  { name: 'server down', run: serverDownStep },
  { name: 'promiscuous', run: promiscuousStep },
  { name: 'tic-tac-toe', run: ticTacToeStep },
  { name: 'kcp-tunnel', run: kcpStep, captured: false },
  { name: 'simulated', run: simulatedStep, captured: false },
];

/**
 * The tour: every example on loopback, in this process, on ephemeral ports; each step checks that
 * it did what the course says, then a summary table. Resolves to the report (`ok` only if every
 * check held); never rejects — an unexpected error is a failed check.
 *
 * @example
 * ```ts
 * const report = await runTour();
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function runTour(options: TourOptions = {}): Promise<TourReport> {
  const out = options.out ?? ((line: string) => console.log(line));
  const s = makeStyle(options.color ?? process.stdout.isTTY === true);
  const lang = options.lang ?? 'en';
  const text = tourText(lang);
  const { signal } = options;
  const stoppable = <T>(): MonoTypeOperatorFunction<T> =>
    signal === undefined ? (source) => source : takeUntil(fromEvent(signal, 'abort'));
  const ctx: StepContext = {
    lang,
    out,
    log: (line) => out(`    ${s.dim('│')} ${line.replaceAll('\n', `\n    ${s.dim('│')} `)}`),
    s,
    seed: options.seed ?? 9,
    text,
    stoppable,
    ...captureOf(options),
  };
  const started = performance.now();
  out(s.bold(text.title()));
  const steps: TourStep[] = [];
  for (const [i, step] of STEPS.entries()) {
    if (signal?.aborted) break;
    out('');
    out(s.bold(`${i + 1}. ${text.steps[step.name]()}`));
    if (step.captured !== false) options.capture?.noteNext(`porta tour, step ${i + 1}: ${step.name}`);
    let outcome: StepOutcome;
    try {
      outcome = await step.run(ctx);
    } catch (error) {
      outcome = { counts: NO_COUNTS, checks: [check(text.unexpected((error as Error).message), false)] };
    }
    // A stopped step ends half-way: its checks say nothing about the course.
    if (signal?.aborted) break;
    out('');
    for (const c of outcome.checks) out(`  ${c.ok ? s.ok('✓') : s.bad('✗')} ${c.label}`);
    steps.push({ name: step.name, ...outcome, ok: outcome.checks.every((c) => c.ok) });
  }
  const stopped = steps.length < STEPS.length;
  const ok = !stopped && steps.every((step) => step.ok);
  const totals = steps.reduce((sum, step) => addCounts(sum, step.counts), NO_COUNTS);
  const elapsedMs = performance.now() - started;
  if (stopped) {
    out('');
    out(s.bad(text.stopped()));
    return { ok, steps, totals, elapsedMs, stopped };
  }
  out('');
  out(s.bold(text.summary()));
  const mark = (good: boolean) => (good ? s.ok(text.table.ok) : s.bad(text.table.failed));
  const rows = steps.map((st) => ({
    step: text.stepNames[st.name as StepName],
    counts: st.counts,
    ok: st.ok,
  }));
  for (const line of summaryTable(rows, mark, lang)) out(line);
  out('');
  const failed = steps.filter((st) => !st.ok).map((st) => text.stepNames[st.name as StepName]);
  out(ok ? s.ok(text.allGood((elapsedMs / 1000).toFixed(1))) : s.bad(text.deviations(failed.join(', '))));
  return { ok, steps, totals, elapsedMs, stopped };
}
