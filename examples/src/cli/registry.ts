import type { Command } from './command.js';
import { impair } from './commands/impair.js';
import { kcpTunnel } from './commands/kcpTunnel.js';
import { promiscuous } from './commands/promiscuous.js';
import { tcp16 } from './commands/tcp16.js';
import { ticTacToe } from './commands/ticTacToe.js';
import { tour } from './commands/tour.js';
import { udpLocal } from './commands/udpLocal.js';
import { udpRemote } from './commands/udpRemote.js';

/**
 * Every `porta` subcommand, in the order the general help lists them. A new command is one file in
 * `commands/` and one entry here.
 *
 * @example
 * ```ts
 * commands.map((c) => c.name); // ['udp-local', 'tcp-16', …]
 * ```
 */
export const commands: readonly Command[] = [
  udpLocal,
  tcp16,
  udpRemote,
  promiscuous,
  ticTacToe,
  kcpTunnel,
  impair,
  tour,
];

/**
 * The subcommand called `name`, or `undefined`.
 *
 * @example
 * ```ts
 * findCommand('udp-local')?.usage.en;
 * ```
 */
export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}
