import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { trackHandles } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { ExitCode, runTour } from '../src/index.js';
import { cleanUpChildren, porta } from './support.js';

// How the `porta` process ends: signals, a reader that goes away, --version from the bin.
trackHandles();
cleanUpChildren();

const SLOW = 60_000;

/** Resolves once a TCP server can listen on `port` again: the process that held it let it go. */
async function canListenOn(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

describe('the process', () => {
  it(
    '--version prints the examples package version',
    async () => {
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      const run = porta(['--version']);
      expect(await run.exited).toBe(0);
      expect(run.stdout).toEqual([version]);
      expect(run.stderr).toEqual([]);
    },
    SLOW,
  );

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'tcp-16 server stopped with %s: exit code 130, nothing on stderr, the port free again',
    async (signal) => {
      const server = porta(['tcp-16', 'server', '127.0.0.1', '-p', '0']);
      const listening = await server.line(/^Listening at/);
      const port = Number(/, (\d+)\)$/.exec(listening)?.[1]);
      await server.line(/^Waiting to accept a new connection$/);
      server.process.kill(signal);
      expect(await server.exited).toBe(ExitCode.Interrupted);
      expect(server.stderr).toEqual([]);
      expect(server.stdout).toEqual([
        `Listening at ('127.0.0.1', ${port})`,
        'Waiting to accept a new connection',
      ]);
      expect(await canListenOn(port)).toBe(true);
    },
    SLOW,
  );

  it(
    'porta tour | head -1: once the reader has gone, the tour stops quietly (no EPIPE trace), exit code 141',
    async () => {
      const tour = porta(['tour']);
      expect(await tour.line(/^porta tour: /)).toBe(
        'porta tour: the sockets course on loopback, one example at a time',
      );
      // What `head -1` does after its first line: close its end of the pipe.
      tour.process.stdout?.destroy();
      expect(await tour.exited).toBe(ExitCode.OutputClosed);
      expect(tour.stderr).toEqual([]);
    },
    SLOW,
  );
});

describe('the tour, stopped', () => {
  it('an aborted signal ends the running step, closes its sockets and runs no further step', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const report = await runTour({
      color: false,
      signal: stop.signal,
      out: (line) => {
        lines.push(line);
        // Stop in the middle of step 3 (udp-remote), while its client is waiting.
        if (line.includes('Waiting up to 0.2 seconds')) stop.abort();
      },
    });
    expect(report.stopped).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => s.name)).toEqual(['udp-local', 'tcp-16']);
    expect(lines.at(-1)).toBe('Stopped before the end of the tour.');
    expect(lines.some((l) => l.startsWith('4. '))).toBe(false);
    expect(lines).not.toContain('Summary');
  }, 30_000);
});
