import { parseCommandLine, UsageError } from './args.js';
import type { CliIo } from './cliIo.js';
import { ExitCode } from './exitCodes.js';
import { diagnose } from './failure.js';
import { commandHelp, generalHelp, usageLine } from './help.js';
import { commands, findCommand } from './registry.js';

export type { CliIo } from './cliIo.js';

/**
 * The `porta` command: parses `argv` (without `node` and the script) with `node:util`'s
 * `parseArgs`, runs the example and resolves to the exit code (see {@link ExitCode}).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['udp-local', 'server', '-p', '1061'], terminalIo());
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.err : io.out)(generalHelp('en'));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.err(`porta: unknown example "${name}": expected one of ${commands.map((c) => c.name).join(', ')}`);
    io.err("Run 'porta --help' for the list.");
    return ExitCode.Usage;
  }
  try {
    const args = parseCommandLine(command, rest);
    if (args.values.help) {
      io.out(commandHelp(command, args.lang));
      return ExitCode.Ok;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`porta ${name}: ${error.message}`);
      io.err(usageLine(command, 'en'));
      io.err(`Run 'porta ${name} --help' for details.`);
      return ExitCode.Usage;
    }
    const { message, exitCode } = diagnose(error, { lang: 'en', command: name });
    io.err(`porta ${name}: ${message}`);
    return exitCode;
  }
}
