import type { Observable } from 'rxjs';
import type { Log } from '../messages.js';

/**
 * What the `porta` command talks to: the terminal in real use, buffers in tests.
 *
 * @example
 * ```ts
 * const io: CliIo = { out: console.log, err: console.error, stdin: process.stdin, interrupt: NEVER, isTTY: false };
 * ```
 */
export interface CliIo {
  /** One line of normal output (stdout). */
  readonly out: Log;
  /** One line of diagnostics (stderr). */
  readonly err: Log;
  /** Where tic-tac-toe reads moves from. */
  readonly stdin: NodeJS.ReadableStream;
  /** Emits when the person asks to stop (Ctrl+C). */
  readonly interrupt: Observable<unknown>;
  /** Whether stdout is a terminal (the tour draws in colour only then). */
  readonly isTTY: boolean;
}
