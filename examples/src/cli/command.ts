import type { Lang } from '../messages.js';
import type { Args } from './args.js';
import type { CliIo } from './cliIo.js';

/** A text the CLI prints, in each console language. */
export type Localized = Readonly<Record<Lang, string>>;

/** An option a command accepts beyond the common ones, in `node:util` `parseArgs` form. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Repeatable (`--trust-proxy A --trust-proxy B`): the value is then a list. */
  readonly multiple?: boolean;
}

/**
 * One `porta` subcommand: its help and what it runs. A new command is a file in `cli/commands/`
 * exporting one of these, plus its line in `cli/registry.ts`.
 *
 * @example
 * ```ts
 * export const hello: Command = {
 *   name: 'hello',
 *   summary: { en: 'says hello', pt: 'diz ola' },
 *   usage: { en: 'porta hello', pt: 'porta hello' },
 *   details: { en: 'Prints one line.', pt: 'Imprime uma linha.' },
 *   options: {},
 *   run: async (args, io) => {
 *     expectPositionals(args, 0);
 *     io.out(args.lang === 'pt' ? 'ola' : 'hello');
 *     return ExitCode.Ok;
 *   },
 * };
 * ```
 */
export interface Command {
  /** The word after `porta`, e.g. `udp-local`. */
  readonly name: string;
  /** One line for the general help's list. */
  readonly summary: Localized;
  /** The usage line(s), without the leading `Usage: `. */
  readonly usage: Localized;
  /** What the command does and its own options, shown by `porta <name> --help`. */
  readonly details: Localized;
  /** Whether `-p PORT` applies (default `true`); when `false`, the help leaves it out and `-p` is refused. */
  readonly usesPort?: boolean;
  /** Its options beyond `-p`, `--lang` and `-h`, keyed by long name. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Runs the command; resolves to the exit code. Throws a `UsageError` for a bad command line. */
  readonly run: (args: Args, io: CliIo) => Promise<number>;
}
