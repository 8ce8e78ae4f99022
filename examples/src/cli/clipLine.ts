/** Longest error line the command prints: an argument is quoted in its error, and may be huge. */
const MAX_LINE = 300;

/**
 * Shortens one line of output to {@link MAX_LINE} characters, saying how much was cut: a usage error
 * quotes the bad argument, and echoing a megabyte argument back helps nobody (and floods a log).
 *
 * @example
 * ```ts
 * io.err(clipLine(`porta ${name}: ${error.message}`));
 * ```
 */
export function clipLine(line: string): string {
  if (line.length <= MAX_LINE) return line;
  return `${line.slice(0, MAX_LINE)}… (${line.length - MAX_LINE} more characters)`;
}
