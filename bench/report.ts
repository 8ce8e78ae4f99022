import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const FILE = new URL('../docs/BENCHMARKS.md', import.meta.url);
const HEADER = `# porta benchmarks

Written by \`npm run bench\` (\`bench/\`). Every figure is measured side by side in one process run,
so read the **ratios**; absolute numbers depend on the machine. Each section is replaced when its
benchmark runs again.
`;

/** The machine a run happened on, for the report, with its load when the report is written. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${loadNote()}`;
}

/**
 * The one-minute load average against the core count. A figure taken while other jobs shared the
 * machine says so, because absolute rates then mean little (ratios, run side by side, still do).
 */
export function loadNote(): string {
  const load = os.loadavg()[0] ?? 0;
  const cores = os.cpus().length;
  return load > cores
    ? `taken under load (load average ${load.toFixed(1)} on ${cores} cores): read the ratios, not the rates`
    : `load average ${load.toFixed(1)} on ${cores} cores`;
}

/** Replaces (or appends) the section `name` of docs/BENCHMARKS.md with `markdown`. */
export function writeSection(name: string, markdown: string): void {
  let text: string;
  try {
    text = readFileSync(FILE, 'utf8');
  } catch {
    text = HEADER;
  }
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  text =
    start >= 0 && stop > start
      ? text.slice(0, start) + block + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, text);
}

/** Renders rows as a Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
