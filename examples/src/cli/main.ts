import { captureFile } from '@porta/core';
import { type Args, parseCommandLine, UsageError } from './args.js';
import type { CliIo } from './cliIo.js';
import type { Command } from './command.js';
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
    return await runWithCapture(command, args, io);
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

/**
 * Runs the command, recording its sockets in `--pcap FILE` when given. The capture is closed a
 * moment after the command ends, so the sockets' last segments (a TCP close is reported a tick
 * after it happens) are in the file.
 */
async function runWithCapture(command: Command, args: Args, io: CliIo): Promise<number> {
  const file = args.values.pcap;
  if (file === undefined) return command.run(args, io);
  if (typeof file !== 'string' || file === '') throw new UsageError('--pcap needs a file name', command.name);
  const capture = captureFile(file);
  try {
    return await command.run({ ...args, capture }, io);
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 20));
    capture.close();
  }
}
