/**
 * Exit codes of the `porta` command (documented in `examples/README.md`).
 *
 * @example
 * ```ts
 * process.exitCode = ExitCode.AddressInUse;
 * ```
 */
export const ExitCode = {
  /** Done: the exchange happened, the game ended, the tour's checks all passed. */
  Ok: 0,
  /** The network part failed: nothing answered, the server went away, the tour found a deviation. */
  Failure: 1,
  /** The command line is wrong: unknown subcommand or role, bad port, missing host, bad option. */
  Usage: 2,
  /** The port is already in use by another program (EADDRINUSE). */
  AddressInUse: 3,
  /** The address to listen on is not one of this machine's (EADDRNOTAVAIL). */
  AddressNotAvailable: 4,
  /** Stopped with Ctrl+C (128 + SIGINT) or SIGTERM, the usual ways to end a server. */
  Interrupted: 130,
  /**
   * The reader of the output went away (`porta tour | head -1`): the command stopped quietly, as
   * a program killed by SIGPIPE would (128 + 13).
   */
  OutputClosed: 141,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
