import { lookup } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { familyOf } from '@porta/core';
import type { Lang } from '../messages.js';
import type { Command } from './command.js';
import type { FailureContext } from './failure.js';

/**
 * A command-line mistake: `main` reports it with the subcommand's usage and exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('missing HOST (e.g. 127.0.0.1)');
 * ```
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A subcommand's command line, parsed: what a {@link Command}'s `run` receives. */
export interface Args {
  /** The subcommand, e.g. `udp-local`. */
  readonly command: string;
  /** The words after the subcommand that are not options: the role, the host, … */
  readonly positionals: readonly string[];
  /** Every option as given (`undefined` when absent), keyed by long name. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly lang: Lang;
  /** `-p`, default 1060, the course's port. */
  readonly port: number;
}

/**
 * Parses a subcommand's arguments (`argv` after the subcommand's name) with `node:util`'s
 * `parseArgs`: the common options (`-p`, `--lang`, `-h`) and the command's own.
 *
 * @example
 * ```ts
 * parseCommandLine(udpLocal, ['server', '-p', '1061']).port; // 1061
 * ```
 */
export function parseCommandLine(command: Command, argv: readonly string[]): Args {
  const name = command.name;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string', short: 'p' },
        lang: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...command.options,
      },
    });
  } catch (error) {
    // parseArgs explains unknown options and missing values well; keep its words.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''), name);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const lang = values.lang ?? 'en';
  if (lang !== 'en' && lang !== 'pt')
    throw new UsageError(`--lang must be en or pt, got "${String(lang)}"`, name);
  const port = values.port === undefined ? 1060 : parsePort(values.port, 'port', true);
  return { command: name, positionals: parsed.positionals, values, lang, port };
}

/**
 * A port number from the command line; `what` names it in the error (`port`, `CLIENT_PORT`).
 *
 * @example
 * ```ts
 * parsePort('1060', 'port', true); // 1060
 * ```
 */
export function parsePort(value: string | boolean | undefined, what: string, allowZero: boolean): number {
  const text = String(value);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  const min = allowZero ? 0 : 1;
  if (!(port >= min && port <= 65535)) {
    throw new UsageError(`invalid ${what} "${text}": expected a whole number from ${min} to 65535`);
  }
  return port;
}

/**
 * The port a client sends to: `-p 0` is refused, it only means "any port" when binding.
 *
 * @example
 * ```ts
 * udpLocalClient({ port: clientPort(args) });
 * ```
 */
export function clientPort(args: Args): number {
  if (args.port === 0)
    throw new UsageError("a client needs the server's port: -p 0 only makes sense for a server");
  return args.port;
}

const ROLES: Record<string, 'server' | 'client'> = {
  server: 'server',
  servidor: 'server',
  client: 'client',
  cliente: 'client',
};

/**
 * The first positional as a role: `server`/`client`, or the course's `servidor`/`cliente`.
 *
 * @example
 * ```ts
 * if (roleOf(args, ['server', 'client']) === 'server') startServer();
 * ```
 */
export function roleOf(args: Args, allowed: readonly ('server' | 'client')[]): 'server' | 'client' {
  const word = args.positionals[0];
  const role = word === undefined ? undefined : ROLES[word];
  if (role === undefined || !allowed.includes(role)) {
    throw new UsageError(
      word === undefined
        ? 'missing role: server or client'
        : `unknown role "${word}": expected server or client (servidor/cliente)`,
    );
  }
  return role;
}

/**
 * Refuses a missing or an extra positional (the role counts as one, the host as the second).
 *
 * @example
 * ```ts
 * expectPositionals(args, 2); // role and HOST
 * ```
 */
export function expectPositionals(args: Args, count: number): void {
  if (args.positionals.length < count) {
    throw new UsageError(count === 2 ? 'missing HOST (e.g. 127.0.0.1)' : 'missing argument');
  }
  if (args.positionals.length > count) {
    throw new UsageError(`unexpected argument "${args.positionals[count]}"`);
  }
}

/**
 * A `--name SECONDS` option in milliseconds, or `fallback` seconds when absent.
 *
 * @example
 * ```ts
 * const timeoutMs = seconds(args, 'timeout', 5);
 * ```
 */
export function seconds(args: Args, name: string, fallback: number): number {
  const value = args.values[name];
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (typeof value !== 'string' || !(n >= 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number of seconds, got "${String(value)}"`);
  }
  return n * 1000;
}

/**
 * A `--name N` whole-number option, `undefined` when absent.
 *
 * @example
 * ```ts
 * const seed = integer(args, 'seed');
 * ```
 */
export function integer(args: Args, name: string): number | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new UsageError(`--${name} must be a whole number, got "${String(value)}"`);
  }
  return Number(value);
}

/**
 * The HOST positional as an address: IP literals as they are, names looked up
 * (`localhost` → `127.0.0.1`), as the course's programs do.
 *
 * @example
 * ```ts
 * const host = await resolveHost(args);
 * ```
 */
export function resolveHost(args: Args): Promise<string> {
  return lookupHost(args.positionals[1]!);
}

/**
 * An IP literal as it is, a name looked up (IPv4); a name that does not resolve is a usage error.
 *
 * @example
 * ```ts
 * await lookupHost('localhost'); // '127.0.0.1'
 * ```
 */
export async function lookupHost(host: string): Promise<string> {
  if (familyOf(host) !== undefined) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new UsageError(`cannot resolve host "${host}": give an IP address such as 127.0.0.1`);
  }
}

/**
 * What `diagnose` needs to explain a failure of this command line.
 *
 * @example
 * ```ts
 * runCommand(udpLocalServer(options), io, failureContext(args));
 * ```
 */
export function failureContext(args: Args): FailureContext {
  return { lang: args.lang, command: args.command, port: args.port };
}
