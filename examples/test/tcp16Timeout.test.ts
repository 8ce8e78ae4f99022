import { createServer, type Socket } from 'node:net';
import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { tcp16Client } from '../src/index.js';

trackHandles();

describe('tcp16Client against a server that accepts and never answers', () => {
  it('fails with TIMEOUT after 5 s by default (like udpLocalClient), and closes its connection', async () => {
    const accepted: Socket[] = [];
    const closed: Promise<void>[] = [];
    const server = createServer((conn) => {
      accepted.push(conn);
      conn.resume(); // read (and drop) what comes, so the client's FIN is seen
      closed.push(new Promise((done) => conn.on('close', () => done())));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    try {
      const started = Date.now();
      const error = await firstValueFrom(tcp16Client({ port, log: () => {} })).catch((e: unknown) => e);
      expect(isPortaError(error, 'TIMEOUT')).toBe(true);
      expect((error as { timeoutMs: number }).timeoutMs).toBe(5000);
      expect((error as Error).message).toBe(`nothing answered at 127.0.0.1:${port} within 5 s`);
      // Not a time assertion on speed: the client did wait, it did not fail at once.
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      // The client's end went away: the server sees its connection close.
      await Promise.all(closed);
      expect(accepted).toHaveLength(1);
    } finally {
      for (const c of accepted) c.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    }
  }, 20_000);
});
