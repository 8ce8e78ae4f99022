import { parseCommandLine, takeLang, UsageError } from './args.js';
import type { CliIo } from './cliIo.js';
import { clipLine } from './clipLine.js';
import { ExitCode } from './exitCodes.js';
import { diagnose } from './failure.js';
import { commandHelp, generalHelp, usageLine } from './help.js';
import { commands, findCommand } from './registry.js';
import { usageText } from './usageText.js';
import { portaVersion } from './version.js';

export type { CliIo } from './cliIo.js';

/**
 * The `porta` command: parses `argv` (without `node` and the script) with `node:util`'s
 * `parseArgs`, runs the example and resolves to the exit code (see {@link ExitCode}).
 * `--lang` may be anywhere on the line; everything the command says follows it.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['udp-local', 'server', '-p', '1061'], terminalIo());
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let lang: ReturnType<typeof takeLang>['lang'];
  let rest: string[];
  try {
    ({ lang, rest } = takeLang(argv));
  } catch (error) {
    io.err(`porta: ${(error as Error).message}`);
    return ExitCode.Usage;
  }
  const say = usageText(lang);
  const [name, ...after] = rest;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.err : io.out)(generalHelp(lang));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version') {
    io.out(portaVersion());
    return ExitCode.Ok;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.err(
      clipLine(
        `porta: ${
          name.startsWith('-')
            ? say.optionBeforeExample(name)
            : say.unknownExample(name, commands.map((c) => c.name).join(', '))
        }`,
      ),
    );
    io.err(say.seeGeneralHelp());
    return ExitCode.Usage;
  }
  try {
    const args = parseCommandLine(command, after, lang);
    if (args.values.help) {
      io.out(commandHelp(command, lang));
      return ExitCode.Ok;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(clipLine(`porta ${name}: ${error.message}`));
      io.err(usageLine(command, lang));
      io.err(say.seeHelp(name));
      return ExitCode.Usage;
    }
    const { message, exitCode } = diagnose(error, { lang, command: name });
    io.err(clipLine(`porta ${name}: ${message}`));
    return exitCode;
  }
}
