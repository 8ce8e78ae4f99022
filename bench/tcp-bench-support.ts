// What bench/tcp-echo and bench/tcp-idle share: a child process that talks in lines on stdout, and
// the figures each run keeps in docs/many-peers/<bench>.json for the many-peer chart.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeManyPeersSection, writePhaseRecord } from './manyPeers.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A child node process running a bench script (through tsx); its stdout is read line by line. */
export interface BenchChild {
  readonly process: ChildProcess;
  /** Resolves with the next stdout line that `test` accepts. */
  line(test: (line: string) => boolean): Promise<string>;
  /** Sends one line to its stdin. */
  send(line: string): void;
  /** Resolves once it has exited. */
  readonly exited: Promise<void>;
}

export function spawnBench(
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
): BenchChild {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: here,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let partial = '';
  const offer = (line: string) => {
    const at = waiting.findIndex((w) => w.test(line));
    if (at < 0) lines.push(line);
    else waiting.splice(at, 1)[0]!.resolve(line);
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    let nl = partial.indexOf('\n');
    while (nl >= 0) {
      offer(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
      nl = partial.indexOf('\n');
    }
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    process: child,
    exited,
    line: (test) => {
      const at = lines.findIndex(test);
      if (at >= 0) return Promise.resolve(lines.splice(at, 1)[0]!);
      return new Promise<string>((resolve, reject) => {
        waiting.push({ test, resolve });
        void exited.then(() => reject(new Error(`${script} exited before the line the bench waited for`)));
      });
    },
    send: (line) => child.stdin!.write(`${line}\n`),
  };
}

/**
 * Keeps this run's figures in docs/many-peers/<bench>.json under its phase (`BENCH_PHASE`, default
 * `latest`; `before` and `after` are what the chart compares), beside the other phases' figures.
 */
export function writeFigures(bench: string, figures: Record<string, unknown>): void {
  writePhaseRecord(bench, process.env.BENCH_PHASE ?? 'latest', {
    date: new Date().toISOString(),
    ...figures,
  });
  // The chart and its table are drawn from every bench's file: redrawn with this one's new figures.
  writeManyPeersSection();
}

/** CPU time (user + system) of this process, in microseconds. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
