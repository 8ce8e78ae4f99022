import { fromEvent, merge, type Observable, Subject } from 'rxjs';
import type { Log } from '../messages.js';
import type { CliIo } from './cliIo.js';
import { ExitCode } from './exitCodes.js';

/** The terminal as the `porta` command sees it, and how the process should end. */
export interface TerminalIo {
  readonly io: CliIo;
  /**
   * The exit code to give the process once `main` resolved with `code`: `code` itself, or
   * {@link ExitCode.OutputClosed} when the reader of stdout went away first (`porta tour | head -1`).
   */
  exitCode(code: number): number;
}

/**
 * Connects the `porta` command to this process: stdout and stderr as line writers, stdin, and
 * an interrupt that fires on Ctrl+C (SIGINT), on SIGTERM (what `kill` and service managers send)
 * and when the reader of stdout or stderr closes the pipe (EPIPE). A closed pipe is not an error
 * to report: the command stops as on Ctrl+C and writes nothing more, so no stack trace appears.
 *
 * @example
 * ```ts
 * const terminal = terminalIo();
 * process.exitCode = terminal.exitCode(await main(process.argv.slice(2), terminal.io));
 * ```
 */
export function terminalIo(): TerminalIo {
  const closed = new Subject<void>();
  let outputClosed = false;
  const writer = (stream: NodeJS.WriteStream): Log => {
    let open = true;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      open = false;
      if (error.code !== 'EPIPE') throw error;
      if (stream === process.stdout) outputClosed = true;
      closed.next();
    });
    return (line) => {
      if (open && !stream.destroyed) stream.write(`${line}\n`);
    };
  };
  const interrupt: Observable<unknown> = merge(
    fromEvent(process, 'SIGINT'),
    fromEvent(process, 'SIGTERM'),
    closed,
  );
  return {
    io: {
      out: writer(process.stdout),
      err: writer(process.stderr),
      stdin: process.stdin,
      interrupt,
      // Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
      isTTY: process.stdout.isTTY === true && !process.env.NO_COLOR,
    },
    exitCode: (code) => (outputClosed ? ExitCode.OutputClosed : code),
  };
}
