import { type Observable, Subscription, take } from 'rxjs';
import type { CliIo } from './cliIo.js';
import { ExitCode } from './exitCodes.js';
import { diagnose, type FailureContext } from './failure.js';

/**
 * Runs an example until it completes, fails or the person presses Ctrl+C; resolves to the exit
 * code. A failure is explained on stderr (see `diagnose`).
 *
 * @example
 * ```ts
 * return runCommand(udpLocalServer({ port: 1060 }), io, failureContext(args));
 * ```
 */
export function runCommand<T>(work: Observable<T>, io: CliIo, failure: FailureContext): Promise<number> {
  return new Promise((resolve) => {
    const subscriptions = new Subscription();
    const done = (code: number) => {
      subscriptions.unsubscribe();
      resolve(code);
    };
    subscriptions.add(
      work.subscribe({
        error: (error: unknown) => {
          const { message, exitCode } = diagnose(error, failure);
          io.err(`porta ${failure.command}: ${message}`);
          done(exitCode);
        },
        complete: () => done(ExitCode.Ok),
      }),
    );
    // Unsubscribing closes every socket the example holds before the process exits.
    if (!subscriptions.closed)
      subscriptions.add(io.interrupt.pipe(take(1)).subscribe(() => done(ExitCode.Interrupted)));
  });
}
