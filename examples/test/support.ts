import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { NEVER } from 'rxjs';
import { afterEach } from 'vitest';
import { pythonDir, repoRoot } from '../../test/support/coursePrograms.js';
import { main } from '../src/cli/main.js';

export { pythonDir, pythonSkipReason, repoRoot } from '../../test/support/coursePrograms.js';

/** Collects an example's console lines instead of printing them. */
export function recorder(): { readonly lines: string[]; readonly log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/**
 * A fixed clock for the udp-local request: Python leaves out a zero fraction of a second, so on the
 * real clock one request in a thousand is 56 bytes instead of the 63 the tests expect.
 */
export const courseClock = (): Date => new Date(2022, 10, 15, 23, 8, 56, 25);

/** A port that was free a moment ago: bind port 0, read the port, close. */
export async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
    const { port } = socket.address();
    await new Promise<void>((done) => socket.close(() => done()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A child process whose output is collected line by line. */
export interface Child {
  readonly process: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout line matching `pattern` (already seen or to come). */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited and its pipes are closed. */
  readonly exited: Promise<number | null>;
}

const children = new Set<Child>();

/**
 * Starts `command` with `args`, collecting its output; every child is killed after each test
 * (and awaited, so no pipe or process handle outlives the test).
 */
export function start(command: string, args: readonly string[], cwd = repoRoot): Child {
  const child = spawn(command, [...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const collect = (stream: NodeJS.ReadableStream, into: string[], notify: boolean) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        into.push(line);
        if (!notify) continue;
        for (const w of [...waiters]) {
          if (w.pattern.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    stream.on('end', () => {
      if (partial) into.push(partial);
    });
  };
  collect(child.stdout!, stdout, true);
  collect(child.stderr!, stderr, false);
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const handle: Child = {
    process: child,
    stdout,
    stderr,
    exited,
    line: (pattern, timeoutMs = 20_000) => {
      const seen = stdout.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const timer = setTimeout(
          () =>
            fail(
              new Error(
                `no line matching ${pattern} within ${timeoutMs} ms; stdout: ${stdout.join(' | ')}; stderr: ${stderr.join(' | ')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            done(line);
          },
        });
        exited.then(() => clearTimeout(timer));
      });
    },
  };
  children.add(handle);
  return handle;
}

/** Registers the after-each cleanup that kills and awaits every child started by the test. */
export function cleanUpChildren(): void {
  afterEach(async () => {
    const running = [...children];
    children.clear();
    for (const child of running) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      child.process.stdin?.destroy();
    }
    await Promise.all(running.map((c) => c.exited));
  });
}

/** The `porta` command run from source through tsx, as a person would run the built one. */
export function porta(args: readonly string[]): Child {
  return start(process.execPath, [
    '--conditions=@porta/source',
    '--import',
    'tsx',
    'examples/src/cli.ts',
    ...args,
  ]);
}

/** One of the course's Python programs, run from `../shared/seed/python`. */
export function python(program: string, args: readonly string[]): Child {
  return start('python3', ['-u', resolve(pythonDir, program), ...args], pythonDir);
}

/** Replaces socket addresses and timestamps so two runs' output can be compared line by line. */
export function normalize(line: string): string {
  return line
    .replace(/\('[0-9a-f.:]+', \d+(, 0, 0)?\)/g, '(ADDR)')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?/g, 'DATETIME');
}

/** Runs the `porta` command in-process with its output collected: the exit code and every line. */
export async function runPorta(args: readonly string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: process.stdin,
    interrupt: NEVER,
    isTTY: false,
  });
  return { code, out, err };
}
