// `--workers N`: the course's servers on several processes (node:cluster), through the real command.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUpChildren, freePort, porta, pythonDir, pythonSkipReason, start } from './support.js';

cleanUpChildren();
const SLOW = 120_000;
const pythonSkip = pythonSkipReason();

/** Sends `count` requests from one socket, each after the previous reply; resolves with the replies. */
async function oneClient(port: number, count: number): Promise<string[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  const replies: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const reply = new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no reply to request ${i}`)), 5_000);
        socket.once('message', (m) => {
          clearTimeout(timer);
          done(m.toString());
        });
      });
      socket.send(`request ${i}`, port, '127.0.0.1');
      replies.push(await reply);
    }
  } finally {
    socket.removeAllListeners('message');
    await new Promise<void>((done) => socket.close(() => done()));
  }
  return replies;
}

function portIsFree(kind: 'udp' | 'tcp', port: number): Promise<boolean> {
  return new Promise((done) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => done(false));
      s.bind(port, '127.0.0.1', () => s.close(() => done(true)));
      return;
    }
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

describe('porta udp-local server --workers 2', () => {
  it(
    "keeps one client's datagrams on one worker, and stops on SIGTERM with every worker gone and the port free",
    async () => {
      const port = await freePort('udp');
      const server = porta(['udp-local', 'server', '-p', String(port), '--workers', '2']);
      // With reusePort the workers print the listening line once they have bound, which under
      // load can take a while: wait for both to be ready first.
      await waitStderr(server, /worker 0 ready/);
      await waitStderr(server, /worker 1 ready/);
      await server.line(/Listening at IP and port/);
      const replies = await oneClient(port, 200);
      expect(replies.every((r) => /possui comprimento de \d+ bytes/.test(r))).toBe(true);
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const summary = server.stderr.find((l) => l.includes('workers stopped')) ?? '';
      console.log(`udp-local --workers 2: ${summary}`);
      // One client, one home: all 200 answered by the same worker (the workers' own totals, sent
      // to the primary), none dropped — whether the kernel (reusePort) or the dispatcher chose it.
      expect(summary).toMatch(
        /200 answered, per worker (200\/0|0\/200); 1 clients, per worker (1\/0|0\/1); 0 dropped/,
      );
      expect(await portIsFree('udp', port)).toBe(true);
    },
    SLOW,
  );

  it(
    'restarts a crashed worker with a backoff and keeps answering',
    async () => {
      const port = await freePort('udp');
      const server = porta(['udp-local', 'server', '-p', String(port), '--workers', '2']);
      await waitStderr(server, /worker 1 ready/);
      const started = await waitStderr(server, /worker 0 started \(pid (\d+)\)/);
      await waitStderr(server, /worker 0 ready/);
      const pid = Number(/pid (\d+)/.exec(started)?.[1]);
      process.kill(pid, 'SIGKILL');
      await waitStderr(server, /restarting worker 0 in 100 ms \(crash 1\)/);
      const again = await waitStderr(server, /worker 0 started/, 60_000, 2);
      expect(again).not.toContain(`pid ${pid})`);
      await waitStderr(server, /worker 0 ready/, 60_000, 2);
      expect(await oneClient(port, 20)).toHaveLength(20);
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
    SLOW,
  );
});

describe.skipIf(pythonSkip !== undefined)('porta tcp-16 server --workers 2', () => {
  it(
    'answers the course client from two processes sharing one port, then drains on SIGTERM',
    async () => {
      const port = await freePort('tcp');
      const server = porta(['tcp-16', 'server', '127.0.0.1', '-p', String(port), '--workers', '2']);
      // Each worker prints the listening line once it listens; under load that can take a while.
      await waitStderr(server, /worker 0 ready/);
      await waitStderr(server, /worker 1 ready/);
      await server.line(/Listening at/);
      for (let i = 0; i < 4; i++) {
        const client = start('python3', [
          resolve(pythonDir, 'tcp_exemplo.py'),
          'cliente',
          '127.0.0.1',
          '-p',
          String(port),
        ]);
        await client.line(/O servidor diz b'Fechado, cliente'/);
        expect(await client.exited).toBe(0);
      }
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stderr.some((l) => /2 workers stopped/.test(l))).toBe(true);
      expect(await portIsFree('tcp', port)).toBe(true);
    },
    SLOW,
  );
});

/** Resolves with the `nth` stderr line matching `pattern` (the helper's `line` watches stdout). */
async function waitStderr(
  child: ReturnType<typeof porta>,
  pattern: RegExp,
  timeoutMs = 60_000,
  nth = 1,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matches = child.stderr.filter((l) => pattern.test(l));
    if (matches.length >= nth) return matches[nth - 1]!;
    if (Date.now() > deadline)
      throw new Error(`no stderr line matching ${pattern}; stderr: ${child.stderr.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
