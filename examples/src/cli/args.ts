import { lookup } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { addressMatcher, familyOf, isPortaError, type PacketCapture } from '@porta/core';
import type { Lang } from '../messages.js';
import type { Command, OptionSpec } from './command.js';
import type { FailureContext } from './failure.js';
import { usageText } from './usageText.js';

/**
 * A command-line mistake: `main` reports it with the subcommand's usage and exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('missing HOST (e.g. 127.0.0.1)');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A subcommand's command line, parsed: what a {@link Command}'s `run` receives. */
export interface Args {
  /** The subcommand, e.g. `udp-local`. */
  readonly command: string;
  /** The words after the subcommand that are not options: the role, the host, … */
  readonly positionals: readonly string[];
  /** Every option as given (`undefined` when absent), keyed by long name. */
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  readonly lang: Lang;
  /** `-p`, default 1060, the course's port. */
  readonly port: number;
  /** `--pcap FILE`: the capture `main` opened for this run, closed when the command ends. */
  readonly capture?: PacketCapture;
}

/**
 * Every option `command` accepts (`--lang` aside, taken from the whole line first): `-p` unless it
 * does not use a port, `-h`, `--pcap`, and its own.
 *
 * @example
 * ```ts
 * Object.keys(optionsOf(udpLocal)); // ['port', 'help', 'pcap', 'timeout', 'workers']
 * ```
 */
export function optionsOf(command: Command): Readonly<Record<string, OptionSpec>> {
  return {
    ...(command.usesPort !== false ? { port: { type: 'string', short: 'p' } } : {}),
    help: { type: 'boolean', short: 'h' },
    pcap: { type: 'string' },
    ...command.options,
  };
}

/**
 * Parses a subcommand's arguments (`argv` after the subcommand's name, `--lang` already taken out,
 * see {@link takeLang}): the common options (`-p`, `-h`) and the command's own. Every mistake is a
 * {@link UsageError} in the CLI's own words and the console language.
 *
 * @example
 * ```ts
 * parseCommandLine(udpLocal, ['server', '-p', '1061'], 'en').port; // 1061
 * ```
 */
export function parseCommandLine(command: Command, argv: readonly string[], lang: Lang): Args {
  const say = usageText(lang);
  const options = optionsOf(command);
  // Not strict: parseArgs' own errors name its internals ("argument is ambiguous" for `-p -1`);
  // the tokens let the CLI check every option itself and say what is wrong in its own words.
  const parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: false, tokens: true, options });
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) {
      throw new UsageError(say.unknownOption(token.rawName));
    }
    if (spec.type === 'string' && token.value === undefined) {
      throw new UsageError(say.missingValue(token.rawName));
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(say.noValue(token.rawName));
    }
  }
  const values = parsed.values as Record<string, string | boolean | readonly string[] | undefined>;
  const port =
    values.port === undefined ? 1060 : parsePort(values.port as string | boolean, 'port', true, lang);
  return { command: command.name, positionals: parsed.positionals, values, lang, port };
}

/**
 * Takes every `--lang en|pt` (or `--lang=pt`) out of the whole command line, wherever it is, so
 * `porta --lang pt udp-local --help` and `porta udp-local --help --lang pt` mean the same. Stops at
 * `--`. The last one wins.
 *
 * @example
 * ```ts
 * takeLang(['--lang', 'pt', 'tour']); // { lang: 'pt', rest: ['tour'] }
 * ```
 */
export function takeLang(argv: readonly string[]): { lang: Lang; rest: string[] } {
  let lang: Lang = 'en';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg !== '--lang' && !arg.startsWith('--lang=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--lang' ? argv[++i] : arg.slice('--lang='.length);
    if (value === undefined) throw new UsageError(usageText(lang).missingValue('--lang'));
    if (value !== 'en' && value !== 'pt') throw new UsageError(usageText(lang).lang(value));
    lang = value;
  }
  return { lang, rest };
}

/**
 * A port number from the command line: `port` (`-p`, 0 allowed: "any port") or the attack's
 * `clientPort` (from 1).
 *
 * @example
 * ```ts
 * parsePort('1060', 'port', true, 'en'); // 1060
 * ```
 */
export function parsePort(
  value: string | boolean | undefined,
  what: 'port' | 'clientPort',
  allowZero: boolean,
  lang: Lang,
): number {
  const text = String(value);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  const min = allowZero ? 0 : 1;
  if (!(port >= min && port <= 65535)) throw new UsageError(usageText(lang).port(what, min, text));
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
  if (args.port === 0) throw new UsageError(usageText(args.lang).clientPortZero());
  return args.port;
}

const ROLES: Readonly<Record<string, 'server' | 'client'>> = {
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
 * if (roleOf(args) === 'server') startServer();
 * ```
 */
export function roleOf(args: Args): 'server' | 'client' {
  const say = usageText(args.lang);
  const word = args.positionals[0];
  const role = word === undefined || !Object.hasOwn(ROLES, word) ? undefined : ROLES[word];
  if (role === undefined) {
    throw new UsageError(
      word === undefined
        ? say.missingRole(say.serverOrClient())
        : say.unknownRole(word, say.serverOrClientAlias()),
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
  const say = usageText(args.lang);
  if (args.positionals.length < count) {
    throw new UsageError(count === 2 ? say.missingHost() : say.missingArgument());
  }
  if (args.positionals.length > count) {
    throw new UsageError(say.unexpectedArgument(args.positionals[count]!));
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
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) {
    throw new UsageError(usageText(args.lang).seconds(name, String(value)));
  }
  return n * 1000;
}

/**
 * A `--name N` integer option, `undefined` when absent.
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
    throw new UsageError(usageText(args.lang).integer(name, String(value)));
  }
  return Number(value);
}

/**
 * The repeatable `--trust-proxy ADDRESS[/BITS]`: the balancers a server believes PROXY headers
 * from (empty when absent). A malformed entry is a usage error naming it.
 *
 * @example
 * ```ts
 * const trustProxy = trustedProxies(args); // ['127.0.0.1', '10.0.0.0/8']
 * ```
 */
export function trustedProxies(args: Args): readonly string[] {
  const value = args.values['trust-proxy'];
  const list =
    value === undefined ? [] : typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  try {
    addressMatcher(list);
  } catch (error) {
    if (isPortaError(error, 'INVALID_ARGUMENT')) throw new UsageError(`--trust-proxy: ${error.message}`);
    throw error;
  }
  return list;
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
  return lookupHost(args.positionals[1]!, args.lang);
}

/**
 * An IP literal as it is, a name looked up (IPv4); a name that does not resolve is a usage error.
 *
 * @example
 * ```ts
 * await lookupHost('localhost', 'en'); // '127.0.0.1'
 * ```
 */
export async function lookupHost(host: string, lang: Lang): Promise<string> {
  if (familyOf(host) !== undefined) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new UsageError(usageText(lang).unresolved(host));
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

/**
 * What `diagnose` needs to explain a client's failure: the server it talked to, and the command
 * that starts one.
 *
 * @example
 * ```ts
 * clientFailureContext(args, '127.0.0.1', 'porta udp-local server -p 1060');
 * ```
 */
export function clientFailureContext(args: Args, host: string, startServer: string): FailureContext {
  const server = familyOf(host) === 'IPv6' ? `[${host}]:${args.port}` : `${host}:${args.port}`;
  return { ...failureContext(args), server, startServer };
}
