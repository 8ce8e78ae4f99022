// Draws docs/bench-many-peers.svg from docs/many-peers/*.json (see bench/manyPeers.ts): one group
// of bars per compared pair, porta ÷ raw Node, `before` beside `after`, with a line at 1.0 (parity).
// Hand-written SVG, no dependency. Files of another shape in that folder are skipped, said on stderr.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const DIR = new URL('../docs/many-peers/', import.meta.url);
const SVG = new URL('../docs/bench-many-peers.svg', import.meta.url);
const PHASES = ['before', 'after'] as const;
const COLOURS: Record<(typeof PHASES)[number], string> = { before: '#9aa5b1', after: '#2b6cb0' };

interface Bar {
  readonly group: string;
  readonly values: Partial<Record<(typeof PHASES)[number], number>>;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A phase as a file holds it: bench/manyPeers.ts's `rows`, or another bench's own fields. */
interface PhaseRun {
  readonly rows?: readonly { readonly label?: unknown; readonly ratio?: unknown }[];
  readonly [field: string]: unknown;
}

const words = (camel: string) =>
  camel
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .trim();

/**
 * The (label, ratio) rows of a phase. Files written by bench/manyPeers.ts have `rows`; the TCP benches
 * (bench/tcp-echo, bench/tcp-idle) write their own shape: `portaTo<Baseline>` rates (porta ÷ raw,
 * higher is better) and `ratios` of costs (porta ÷ raw: heap, RSS, time, lower is better), which are
 * drawn inverted (raw ÷ porta) so that every bar reads "higher is better".
 */
function rowsOf(run: PhaseRun | undefined): { label?: unknown; ratio?: unknown }[] {
  if (run === undefined) return [];
  if (run.rows !== undefined) return [...run.rows];
  const rows: { label: string; ratio: number }[] = [];
  for (const [key, value] of Object.entries(run)) {
    const to = /^portaTo(.+)$/.exec(key);
    if (to !== null && typeof value === 'number')
      rows.push({ label: `req/s ÷ ${words(to[1]!)}`, ratio: value });
  }
  const costs = run.ratios;
  if (typeof costs === 'object' && costs !== null) {
    for (const [key, value] of Object.entries(costs)) {
      if (typeof value === 'number' && value > 0)
        rows.push({ label: `${key} (raw ÷ porta)`, ratio: 1 / value });
    }
  }
  return rows;
}

/** Every many-peers JSON file as (bench name, its phases), in name order; files that are not JSON are skipped. */
function readAll(): { bench: string; runs: Record<string, PhaseRun> }[] {
  let files: string[];
  try {
    files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().flatMap((file) => {
    try {
      return [
        { bench: file.replace(/\.json$/, ''), runs: JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) },
      ];
    } catch {
      console.error(`manyPeersChart: ${file} is not JSON; skipped`);
      return [];
    }
  });
}

/** The bars from every many-peers JSON file, in file then row order. */
export function manyPeersBars(): Bar[] {
  const bars: Bar[] = [];
  for (const { bench, runs } of readAll()) {
    const labels: string[] = [];
    const byLabel = new Map<string, Bar>();
    for (const phase of PHASES) {
      for (const row of rowsOf(runs[phase])) {
        if (typeof row.label !== 'string' || typeof row.ratio !== 'number') continue;
        let bar = byLabel.get(row.label);
        if (bar === undefined) {
          bar = { group: `${bench}: ${row.label}`, values: {} };
          byLabel.set(row.label, bar);
          labels.push(row.label);
        }
        (bar.values as Record<string, number>)[phase] = row.ratio;
      }
    }
    if (labels.length === 0) console.error(`manyPeersChart: ${bench}.json has no before/after rows; skipped`);
    for (const label of labels) bars.push(byLabel.get(label)!);
  }
  return bars;
}

/** Renders the bars as a horizontal bar chart (one row per pair, a bar per phase). */
export function renderManyPeersChart(bars: readonly Bar[]): string {
  const labelW = 640;
  const plotW = 360;
  const barH = 12;
  const rowH = PHASES.length * barH + 12;
  const top = 46;
  const height = top + bars.length * rowH + 40;
  const width = labelW + plotW + 60;
  const max = Math.max(1.2, ...bars.flatMap((b) => Object.values(b.values)));
  const scale = Math.ceil(max * 5) / 5;
  const x = (v: number) => labelW + (v / scale) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">Many peers: porta ÷ its baseline, raw Node or a hand-written loop (higher is better; 1.0 = parity)</text>`,
  ];
  PHASES.forEach((phase, i) => {
    out.push(
      `<rect x="${10 + i * 90}" y="28" width="10" height="10" fill="${COLOURS[phase]}"/>`,
      `<text x="${24 + i * 90}" y="37">${phase}</text>`,
    );
  });
  for (let t = 0; t <= scale + 1e-9; t += 0.2) {
    const tx = x(t).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 30}" stroke="#eee"/>`,
      `<text x="${tx}" y="${height - 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + rowH / 2}" text-anchor="end">${xmlText(bar.group)}</text>`);
    PHASES.forEach((phase, j) => {
      const v = bar.values[phase];
      const by = y + j * barH;
      if (v === undefined) {
        out.push(`<text x="${labelW + 4}" y="${by + barH - 2}" fill="#999">${phase}: not measured</text>`);
        return;
      }
      out.push(
        `<rect x="${labelW}" y="${by}" width="${(x(v) - labelW).toFixed(1)}" height="${barH - 2}" fill="${COLOURS[phase]}"/>`,
        `<text x="${(x(v) + 4).toFixed(1)}" y="${by + barH - 2}">${v.toFixed(2)}</text>`,
      );
    });
  });
  const one = x(1).toFixed(1);
  out.push(
    `<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${height - 30}" stroke="#c53030" stroke-dasharray="4 3"/>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The bars as a Markdown table: before, after, and after ÷ before. */
export function manyPeersTable(bars: readonly Bar[]): string {
  const cell = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(2)}×`);
  const head =
    '| porta ÷ its baseline (raw Node or a hand-written loop; higher is better) | before | after | after ÷ before |\n| --- | --- | --- | --- |';
  const rows = bars.map((b) => {
    const { before, after } = b.values;
    const change = before === undefined || after === undefined ? '—' : (after / before).toFixed(2);
    return `| ${b.group} | ${cell(before)} | ${cell(after)} | ${change} |`;
  });
  return [head, ...rows].join('\n');
}

/** When and under what load each file's phases ran (for judging noise), one line per file. */
export function manyPeersConditions(): string[] {
  return readAll().flatMap(({ bench, runs }) => {
    const parts = PHASES.flatMap((phase) => {
      const run = runs[phase];
      if (run === undefined) return [];
      const date = typeof run.date === 'string' ? run.date.slice(0, 16).replace('T', ' ') : '?';
      const load =
        typeof run.load === 'number' ? `, load ${run.load} on ${String(run.cores ?? '?')} cores` : '';
      return [`${phase} ${date} UTC${load}, ${String(run.rounds ?? '?')} rounds`];
    });
    return parts.length === 0 ? [] : [`- ${bench}: ${parts.join('; ')}`];
  });
}

/** Redraws docs/bench-many-peers.svg from the JSON files; returns the bars' table and run conditions. */
export function writeManyPeersChart(): string {
  const bars = manyPeersBars();
  writeFileSync(SVG, renderManyPeersChart(bars));
  return `${manyPeersTable(bars)}\n\nRuns:\n\n${manyPeersConditions().join('\n')}`;
}
