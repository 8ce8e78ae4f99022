import { createServer, type Socket } from 'node:net';
import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { scriptedPlayer, tcp16Client, ticTacToeClient } from '../src/index.js';

trackHandles();

/** A TCP server that accepts and never sends; resolves each accepted connection's close. */
async function silentServer() {
  const accepted: Socket[] = [];
  const closed: Promise<void>[] = [];
  const server = createServer((conn) => {
    accepted.push(conn);
    conn.resume(); // read (and drop) what comes, so the client's FIN is seen
    closed.push(new Promise((done) => conn.on('close', () => done())));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    port,
    accepted,
    closed,
    stop: async () => {
      for (const c of accepted) c.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('ticTacToeClient against a server that accepts and never starts the game', () => {
  it('fails with TIMEOUT after welcomeTimeoutMs and closes its connection', async () => {
    const server = await silentServer();
    try {
      const error = await firstValueFrom(
        ticTacToeClient({
          port: server.port,
          welcomeTimeoutMs: 300,
          log: () => {},
          player: scriptedPlayer([]),
        }),
      ).catch((e: unknown) => e);
      expect(isPortaError(error, 'TIMEOUT')).toBe(true);
      expect((error as Error).message).toBe(`nothing answered at 127.0.0.1:${server.port} within 0.3 s`);
      await Promise.all(server.closed);
      expect(server.accepted).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});

describe('tcp16Client against a server that accepts and never answers', () => {
  it('fails with TIMEOUT after 5 s by default (like udpLocalClient), and closes its connection', async () => {
    const server = await silentServer();
    try {
      const started = Date.now();
      const error = await firstValueFrom(tcp16Client({ port: server.port, log: () => {} })).catch(
        (e: unknown) => e,
      );
      expect(isPortaError(error, 'TIMEOUT')).toBe(true);
      expect((error as { timeoutMs: number }).timeoutMs).toBe(5000);
      expect((error as Error).message).toBe(`nothing answered at 127.0.0.1:${server.port} within 5 s`);
      // Not a time assertion on speed: the client did wait, it did not fail at once.
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      // The client's end went away: the server sees its connection close.
      await Promise.all(server.closed);
      expect(server.accepted).toHaveLength(1);
    } finally {
      await server.stop();
    }
  }, 20_000);
});
