import type { Lang } from '../messages.js';
import { tourText } from './tourText.js';

/** The counts the tour keeps for every step. */
export interface Counts {
  /** Requests (and moves) sent by clients. */
  readonly sent: number;
  /** Requests the network (or the pretending server) lost. */
  readonly lost: number;
  /** Sends that were retries of an earlier one. */
  readonly retried: number;
  /** Datagrams, spoofs or moves refused. */
  readonly rejected: number;
  /** Requests that got their answer. */
  readonly answered: number;
}

/** Zero counts. */
export const NO_COUNTS: Counts = { sent: 0, lost: 0, retried: 0, rejected: 0, answered: 0 };

/**
 * Adds counts column by column.
 *
 * @example
 * ```ts
 * addCounts(NO_COUNTS, { ...NO_COUNTS, sent: 1 }).sent; // 1
 * ```
 */
export function addCounts(a: Counts, b: Counts): Counts {
  return {
    sent: a.sent + b.sent,
    lost: a.lost + b.lost,
    retried: a.retried + b.retried,
    rejected: a.rejected + b.rejected,
    answered: a.answered + b.answered,
  };
}

/** One row of the summary. */
export interface SummaryRow {
  readonly step: string;
  readonly counts: Counts;
  readonly ok: boolean;
}

const COLUMNS = ['sent', 'lost', 'retried', 'rejected', 'answered'] as const;

/**
 * The tour's closing table: one row per step, a total row, and whether each step did what the
 * course says. Plain text (box-drawing characters only), so it reads the same in a log file.
 * `lang` picks the headings (and the default marks).
 *
 * @example
 * ```ts
 * summaryTable([{ step: 'udp-local', counts: { ...NO_COUNTS, sent: 1, answered: 1 }, ok: true }]);
 * ```
 */
export function summaryTable(
  rows: readonly SummaryRow[],
  mark?: (ok: boolean) => string,
  lang: Lang = 'en',
): string[] {
  const say = tourText(lang).table;
  const markOf = mark ?? ((ok: boolean) => (ok ? say.ok : say.failed));
  const total = rows.reduce((sum, r) => addCounts(sum, r.counts), NO_COUNTS);
  const body = rows.map((r) => [r.step, ...COLUMNS.map((c) => String(r.counts[c])), markOf(r.ok)]);
  const all = [
    ...body,
    [say.total, ...COLUMNS.map((c) => String(total[c])), markOf(rows.every((r) => r.ok))],
  ];
  const head = [say.step, ...COLUMNS.map((c) => say[c]), say.result];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour codes the tour adds
  const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((r) => visible(r[i]!))));
  const cell = (text: string, i: number) =>
    i === 0 || i === head.length - 1
      ? text + ' '.repeat(widths[i]! - visible(text))
      : ' '.repeat(widths[i]! - visible(text)) + text;
  const line = (cells: readonly string[]) => `│ ${cells.map(cell).join(' │ ')} │`;
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  return [
    rule('┌', '┬', '┐'),
    line(head),
    rule('├', '┼', '┤'),
    ...body.map(line),
    rule('├', '┼', '┤'),
    line(all[all.length - 1]!),
    rule('└', '┴', '┘'),
  ];
}
