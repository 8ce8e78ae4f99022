import { lookup } from 'node:dns/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { familyOf } from '@porta/core';
import { filter, Observable, type Subscriber, Subscription, take } from 'rxjs';
import type { Lang, Log } from '../messages.js';
import { hardenedClient, promiscuousDemo, spoof } from '../promiscuous.js';
import { tcp16Client, tcp16Server } from '../tcp16.js';
import type { Player, TicTacToeEvent } from '../ticTacToe/ticTacToe.js';
import { ticTacToeClient, ticTacToeServer } from '../ticTacToe/ticTacToe.js';
import { runTour } from '../tour/runTour.js';
import { udpLocalClient, udpLocalServer } from '../udpLocal.js';
import { udpRemoteClient, udpRemoteServer } from '../udpRemote.js';
import { ExitCode } from './exitCodes.js';
import { diagnose, type FailureContext } from './failure.js';

/** What the command talks to: the terminal in real use, buffers in tests. */
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

/** A command-line mistake: reported with the subcommand's usage and exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const COMMON = `Options:
  -p, --port PORT   port number (default 1060)
      --lang en|pt  console language: en (default) or pt, the course's exact messages
  -h, --help        show this help`;

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly extra: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  readonly run: (args: Parsed, io: CliIo) => Promise<number>;
}

interface Parsed {
  readonly command: string;
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly lang: Lang;
  readonly port: number;
}

const ROLES: Record<string, 'server' | 'client'> = {
  server: 'server',
  servidor: 'server',
  client: 'client',
  cliente: 'client',
};

const COMMANDS: Record<string, Command> = {
  'udp-local': {
    summary: 'UDP on this machine: the server answers with the length of what it got',
    usage: 'porta udp-local server|client [-p PORT] [--timeout SECONDS]',
    details: `The course's udp_local.py. The server binds 127.0.0.1; the client sends the current time
to 127.0.0.1 and prints the reply and its own socket name.
  --timeout SECONDS  client: how long to wait for the reply (default 5)`,
    extra: { timeout: { type: 'string' } },
    run: async (args, io) => {
      const role = roleOf(args, ['server', 'client']);
      expectPositionals(args, 1);
      const common = { port: args.port, lang: args.lang, log: io.out };
      if (role === 'server') return runCommand(udpLocalServer(common), io, context(args));
      const timeoutMs = seconds(args, 'timeout', 5);
      return runCommand(udpLocalClient({ ...common, port: clientPort(args), timeoutMs }), io, {
        ...context(args),
        startServer: `porta udp-local server -p ${args.port}`,
      });
    },
  },
  'tcp-16': {
    summary: 'TCP: the 16-octet exchange with recvall',
    usage: 'porta tcp-16 server|client HOST [-p PORT]',
    details: `The course's tcp_exemplo.py. The server listens on HOST (127.0.0.1, or 0.0.0.0 for every
interface), reads exactly 16 octets from each client and answers 'Fechado, cliente'. The client
connects to HOST, sends 'Enviei, servidor' and reads exactly 16 octets back.`,
    extra: {},
    run: async (args, io) => {
      const role = roleOf(args, ['server', 'client']);
      expectPositionals(args, 2);
      const host = await resolveHost(args);
      const common = { host, port: args.port, lang: args.lang, log: io.out };
      if (role === 'server') return runCommand(tcp16Server(common), io, context(args));
      return runCommand(tcp16Client({ ...common, port: clientPort(args) }), io, {
        ...context(args),
        startServer: `porta tcp-16 server ${host} -p ${args.port}`,
      });
    },
  },
  'udp-remote': {
    summary: 'UDP with loss: the server drops half the requests, the client backs off',
    usage: 'porta udp-remote server|client HOST [-p PORT] [--seed N]',
    details: `The course's udp_remote.py. The server pretends to drop about half the requests; the
client retries with exponential backoff (waits 0.1, 0.2, 0.4, 0.8, 1.6 s), then gives up:
"I think the server is down" (exit code 1).
  --seed N  server: repeat the same drops; the same N drops the same requests as
            the course's udp_remote.py --seed N`,
    extra: { seed: { type: 'string' } },
    run: async (args, io) => {
      const role = roleOf(args, ['server', 'client']);
      expectPositionals(args, 2);
      const host = await resolveHost(args);
      const common = { host, port: args.port, lang: args.lang, log: io.out };
      if (role === 'server') {
        const seed = integer(args, 'seed');
        return runCommand(
          udpRemoteServer(seed === undefined ? common : { ...common, seed }),
          io,
          context(args),
        );
      }
      return runCommand(udpRemoteClient({ ...common, port: clientPort(args) }), io, {
        ...context(args),
        startServer: `porta udp-remote server ${host} -p ${args.port}`,
      });
    },
  },
  promiscuous: {
    summary: "the spoofed-reply attack: the naive client takes FAKE, porta's does not",
    usage: `porta promiscuous demo
       porta promiscuous server [-p PORT] [--hold SECONDS]
       porta promiscuous client [-p PORT] [--naive] [--timeout SECONDS]
       porta promiscuous attack CLIENT_PORT [--host HOST]`,
    details: `The course's "promiscuous clients" experiment.
  demo     everything at once on loopback: a slow server, the naive client fooled by FAKE,
           porta's client refusing every spoof and taking the real reply
  server   a udp-local server that holds each reply (--hold, default 10 s), like the
           course's server suspended with Ctrl+Z
  client   porta's client, which checks where the reply came from; --naive for the course's
           client, which takes any datagram (--timeout, default 60 s)
  attack   send FAKE to the client's port (the number the client printed)`,
    extra: {
      hold: { type: 'string' },
      naive: { type: 'boolean' },
      timeout: { type: 'string' },
      host: { type: 'string' },
    },
    run: async (args, io) => {
      const role = args.positionals[0];
      const common = { lang: args.lang, log: io.out };
      switch (role) {
        case 'demo':
          expectPositionals(args, 1);
          return runCommand(promiscuousDemo(common), io, context(args));
        case 'server':
        case 'servidor': {
          expectPositionals(args, 1);
          const holdMs = seconds(args, 'hold', 10);
          return runCommand(udpLocalServer({ ...common, port: args.port, holdMs }), io, context(args));
        }
        case 'client':
        case 'cliente': {
          expectPositionals(args, 1);
          const options = { ...common, port: clientPort(args), timeoutMs: seconds(args, 'timeout', 60) };
          const client = args.values.naive ? udpLocalClient(options) : hardenedClient(options);
          return runCommand(client, io, {
            ...context(args),
            startServer: `porta promiscuous server -p ${args.port}`,
          });
        }
        case 'attack': {
          if (args.positionals.length < 2)
            throw new UsageError('missing CLIENT_PORT: the port number the client printed');
          if (args.values.port !== undefined)
            throw new UsageError(
              "attack takes the client's port as CLIENT_PORT, not -p: porta promiscuous attack 50339",
            );
          expectPositionals(args, 2);
          const victim = parsePort(args.positionals[1], 'CLIENT_PORT', false);
          const host = await lookupHost(
            typeof args.values.host === 'string' ? args.values.host : '127.0.0.1',
          );
          return runCommand(
            spoof({ ...common, to: { address: host, port: victim, family: familyOf(host)! } }),
            io,
            context(args),
          );
        }
        default:
          throw new UsageError(
            role === undefined
              ? 'missing role: demo, server, client or attack'
              : `unknown role "${role}": expected demo, server, client or attack`,
            args.command,
          );
      }
    },
  },
  'tic-tac-toe': {
    summary: 'a remote game of tic-tac-toe between two terminals (TCP, one JSON line per message)',
    usage: 'porta tic-tac-toe server|client HOST [-p PORT]',
    details: `The course's suggested exercise. The server's terminal plays X and moves first; the
client's plays O. Type a square number (1-9) when asked. The server is the referee: a malformed
or illegal move gets an error and the game goes on. Exit code 0 when the game ends, 1 if the
other player leaves.`,
    extra: {},
    run: async (args, io) => {
      const role = roleOf(args, ['server', 'client']);
      expectPositionals(args, 2);
      const host = await resolveHost(args);
      const { player, close } = terminalPlayer(io);
      const common = { host, port: args.port, lang: args.lang, log: io.out, player };
      const game: Observable<TicTacToeEvent> =
        role === 'server' ? ticTacToeServer(common) : ticTacToeClient({ ...common, port: clientPort(args) });
      let abandoned = false;
      const code = await runCommand(
        game.pipe(filter((e) => !(e.type === 'abandoned' && (abandoned = true)))),
        io,
        role === 'server'
          ? context(args)
          : { ...context(args), startServer: `porta tic-tac-toe server ${host} -p ${args.port}` },
      );
      close();
      return code === ExitCode.Ok && abandoned ? ExitCode.Failure : code;
    },
  },
  tour: {
    summary: 'every example on loopback, in one process, with a timeline and a summary',
    usage: 'porta tour [--lang en|pt]',
    details: `Runs udp-local, tcp-16, udp-remote (with drops, and against a silent server),
promiscuous and tic-tac-toe on ephemeral ports, then 1000 backoff clients over a lossy
simulated network in virtual time; checks each did what the course says, and prints a
summary table. Exit code 0 only if every check passed.`,
    extra: {},
    run: async (args, io) => {
      expectPositionals(args, 0);
      const report = await runTour({ lang: args.lang, out: io.out, color: io.isTTY });
      return report.ok ? ExitCode.Ok : ExitCode.Failure;
    },
  },
};

function generalHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "porta: the sockets course's programs over porta (network sockets as RxJS streams)",
    '',
    'Usage: porta <example> <role> [HOST] [options]',
    '',
    'Examples:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    '',
    "Roles are server/client (or the course's servidor/cliente).",
    COMMON,
    '',
    'Exit codes: 0 ok, 1 network failure (nothing answered, server down), 2 usage error,',
    '            3 port in use, 4 address not on this machine, 130 stopped with Ctrl+C.',
    '',
    "Run 'porta <example> --help' for an example's roles and options.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: ${command.usage}`, '', command.details, '', COMMON].join('\n');
}

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
    (name === undefined ? io.err : io.out)(generalHelp());
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`porta: unknown example "${name}": expected one of ${Object.keys(COMMANDS).join(', ')}`);
    io.err("Run 'porta --help' for the list.");
    return ExitCode.Usage;
  }
  try {
    const args = parse(name, command, rest);
    if (args.values.help) {
      io.out(commandHelp(command));
      return ExitCode.Ok;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`porta ${name}: ${error.message}`);
      io.err(`Usage: ${command.usage}`);
      io.err(`Run 'porta ${name} --help' for details.`);
      return ExitCode.Usage;
    }
    const { message, exitCode } = diagnose(error, { lang: 'en', command: name });
    io.err(`porta ${name}: ${message}`);
    return exitCode;
  }
}

function parse(name: string, command: Command, argv: readonly string[]): Parsed {
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
        ...command.extra,
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

function parsePort(value: string | boolean | undefined, what: string, allowZero: boolean): number {
  const text = String(value);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  const min = allowZero ? 0 : 1;
  if (!(port >= min && port <= 65535)) {
    throw new UsageError(`invalid ${what} "${text}": expected a whole number from ${min} to 65535`);
  }
  return port;
}

/** A client cannot send to port 0: that only means "any port" when binding. */
function clientPort(args: Parsed): number {
  if (args.port === 0)
    throw new UsageError("a client needs the server's port: -p 0 only makes sense for a server");
  return args.port;
}

function roleOf(args: Parsed, allowed: readonly ('server' | 'client')[]): 'server' | 'client' {
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

function expectPositionals(args: Parsed, count: number): void {
  if (args.positionals.length < count) {
    throw new UsageError(count === 2 ? 'missing HOST (e.g. 127.0.0.1)' : 'missing argument');
  }
  if (args.positionals.length > count) {
    throw new UsageError(`unexpected argument "${args.positionals[count]}"`);
  }
}

function seconds(args: Parsed, name: string, fallback: number): number {
  const value = args.values[name];
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (typeof value !== 'string' || !(n >= 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number of seconds, got "${String(value)}"`);
  }
  return n * 1000;
}

function integer(args: Parsed, name: string): number | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new UsageError(`--${name} must be a whole number, got "${String(value)}"`);
  }
  return Number(value);
}

/** Accepts IP literals as they are and looks names up (`localhost` → `127.0.0.1`). */
function resolveHost(args: Parsed): Promise<string> {
  return lookupHost(args.positionals[1]!);
}

async function lookupHost(host: string): Promise<string> {
  if (familyOf(host) !== undefined) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new UsageError(`cannot resolve host "${host}": give an IP address such as 127.0.0.1`);
  }
}

function context(args: Parsed): FailureContext {
  return { lang: args.lang, command: args.command, port: args.port };
}

/** Runs an example until it completes, fails or the person presses Ctrl+C. */
function runCommand<T>(work: Observable<T>, io: CliIo, failure: FailureContext): Promise<number> {
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

/**
 * A tic-tac-toe player typing at the terminal: one line per move, asked only on their turn. At a
 * terminal, a line typed out of turn is refused on the spot; from a pipe (`printf '5\n1\n' | porta
 * ...`) lines queue up and are played in order, so a game can be scripted.
 */
function terminalPlayer(io: CliIo): { player: Player; close: () => void } {
  const queued: string[] = [];
  let waiting: Subscriber<string> | undefined;
  let ended = false;
  const interactive = (io.stdin as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: io.stdin, terminal: false });
  rl.on('line', (line) => {
    if (waiting !== undefined) {
      const subscriber = waiting;
      waiting = undefined;
      subscriber.next(line);
      subscriber.complete();
    } else if (interactive) io.out('(not your turn yet: wait for the other player)');
    else queued.push(line);
  });
  rl.on('close', () => {
    ended = true;
    waiting?.error(new Error('no more input: you left the game'));
  });
  const player: Player = () =>
    new Observable<string>((subscriber) => {
      const line = queued.shift();
      if (line !== undefined) {
        subscriber.next(line);
        subscriber.complete();
      } else if (ended) subscriber.error(new Error('no more input: you left the game'));
      else waiting = subscriber;
      return () => {
        if (waiting === subscriber) waiting = undefined;
      };
    });
  return { player, close: () => rl.close() };
}
