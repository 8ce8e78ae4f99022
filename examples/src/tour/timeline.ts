import type { Lang } from '../messages.js';
import { style as makeStyle, type Style } from './style.js';
import { tourText } from './tourText.js';

/** One attempt of a backoff exchange, with times in ms from the first send. */
export interface AttemptSpan {
  readonly attempt: number;
  /** The row's label; default `attempt N` in the timeline's language. */
  readonly label?: string;
  readonly sentAt: number;
  /** How long the client was prepared to wait. */
  readonly waitMs: number;
  /** When the server pretended to lose this request, if it did. */
  readonly droppedAt?: number;
  /** When the reply arrived, if it did. */
  readonly answeredAt?: number;
}

/** Options of {@link drawTimeline}. */
export interface TimelineOptions {
  /** Columns of the time axis (default 60). */
  readonly width?: number;
  readonly style?: Style;
  /** Language of the labels and the legend (default `en`). */
  readonly lang?: Lang;
  /** Says how long an answered row took (default: the language's `answered after N ms`). */
  readonly answeredAfter?: (ms: number) => string;
  /** The legend under the axis (default: the backoff exchange's, in the timeline's language). */
  readonly legend?: string;
}

/**
 * Draws a backoff exchange as a waterfall on a shared time axis: one row per attempt, so the
 * doubling waits are visible at a glance.
 *
 * ```
 * attempt 1  Sx·T                         0.1 s → timeout
 * attempt 2     Sx··T                     0.2 s → timeout
 * attempt 3         S✓                    0.4 s → answered
 *            |---------|---------|
 *            0         0.5 s     1.0 s
 * ```
 *
 * @example
 * ```ts
 * drawTimeline([{ attempt: 1, sentAt: 0, waitMs: 100, answeredAt: 3 }]).join('\n');
 * ```
 */
export function drawTimeline(spans: readonly AttemptSpan[], options: TimelineOptions = {}): string[] {
  const width = options.width ?? 60;
  const s = options.style ?? makeStyle(false);
  const say = tourText(options.lang).timeline;
  const end = Math.max(...spans.map((a) => a.answeredAt ?? a.sentAt + a.waitMs), 1);
  // Round the axis up to whole half-seconds so tick labels are round numbers.
  const axisMs = Math.ceil(end / 500) * 500;
  const labelOf = (a: AttemptSpan) => a.label ?? `${say.attempt} ${a.attempt}`;
  const labelWidth = Math.max(...spans.map((a) => labelOf(a).length));
  const answeredAfter = options.answeredAfter ?? say.answeredAfter;
  const col = (ms: number) => Math.min(width - 1, Math.round((ms / axisMs) * (width - 1)));
  const rows = spans.map((a) => {
    const cells: string[] = Array(width).fill(' ');
    const start = col(a.sentAt);
    const stop = a.answeredAt === undefined ? col(a.sentAt + a.waitMs) : col(a.answeredAt);
    for (let c = start; c <= stop; c++) cells[c] = s.dim('·');
    if (a.answeredAt === undefined) cells[Math.max(stop, start + 1)] = s.bad('T');
    if (a.droppedAt !== undefined) cells[Math.max(col(a.droppedAt), start + 1)] = s.bad('x');
    if (a.answeredAt !== undefined) cells[Math.max(stop, start + 1)] = s.ok('✓');
    cells[start] = 'S';
    const outcome =
      a.answeredAt !== undefined ? answeredAfter(Math.round(a.answeredAt - a.sentAt)) : say.timeout;
    return `${labelOf(a).padEnd(labelWidth)}  ${cells.join('')}  ${seconds(a.waitMs)} s → ${outcome}`;
  });
  const ticks = Math.round(axisMs / 500);
  const step = (width - 1) / ticks;
  let axis = '';
  let labels = '';
  for (let t = 0; t <= ticks; t++) {
    const at = Math.round(t * step);
    axis = axis.padEnd(at, '-') + '|';
    const label = t === 0 ? '0' : `${seconds(t * 500)} s`;
    if (labels.length <= at) labels = labels.padEnd(at) + label;
  }
  const pad = ' '.repeat(labelWidth + 2);
  return [...rows, pad + axis.padEnd(width, '-'), pad + labels, pad + s.dim(options.legend ?? say.legend)];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
