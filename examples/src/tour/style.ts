/** Terminal styling that disappears when the output is not a terminal (no escape codes in logs or pipes). */
export interface Style {
  readonly ok: (text: string) => string;
  readonly bad: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

/**
 * ANSI colours when `color` is true, plain text otherwise.
 *
 * @example
 * ```ts
 * style(process.stdout.isTTY).ok('✓');
 * ```
 */
export function style(color: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) =>
    color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { ok: sgr(32, 39), bad: sgr(31, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}
