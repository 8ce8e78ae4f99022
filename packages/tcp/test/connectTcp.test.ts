import { isPortaError } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { Subscription, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { connectTcp, listenTcp, type TcpConnection } from '../src/index.js';
import { advanceTo, errorOf, open, until } from './support.js';

trackHandles();

/** A loopback port nothing listens on: listen on port 0, note the port, close. */
async function closedPort(): Promise<number> {
  const subs = new Subscription();
  const listener = await open(listenTcp(), subs);
  const port = listener.local.port;
  subs.unsubscribe();
  await until(() => (countResources().get('TCPServerWrap') ?? 0) === 0, 'listener closed');
  return port;
}

describe('connectTcp', () => {
  it('connection refused → CONNECTION_REFUSED naming the address', async () => {
    const port = await closedPort();
    const err = await errorOf(connectTcp({ host: '127.0.0.1', port }));
    expect(isPortaError(err, 'CONNECTION_REFUSED')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('connect timeout → TIMEOUT and the socket is destroyed (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const port = await closedPort();
    const failed = errorOf(connectTcp({ host: '127.0.0.1', port, timeoutMs: 1_000, scheduler }));
    // The OS has not answered yet: the virtual clock reaches the deadline first.
    advanceTo(scheduler, 1_000);
    const err = await failed;
    expect(isPortaError(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('1000 ms');
  });

  it('no timeout before the deadline (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const subs = new Subscription();
    const listener = await open(listenTcp(), subs);
    const connecting = open(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, timeoutMs: 1_000, scheduler }),
      subs,
    );
    advanceTo(scheduler, 999);
    const conn = await connecting;
    advanceTo(scheduler, 5_000);
    expect(conn.isClosed).toBe(false);
    subs.unsubscribe();
  });

  it('unsubscribing during connect destroys the socket: no open handle', async () => {
    const subs = new Subscription();
    const listener = await open(listenTcp(), subs);
    const values: unknown[] = [];
    const connecting = connectTcp({ host: '127.0.0.1', port: listener.local.port }).subscribe((c) =>
      values.push(c),
    );
    expect(countResources().get('TCPSocketWrap') ?? 0).toBeGreaterThan(0);
    connecting.unsubscribe();
    await new Promise((r) => setTimeout(r, 20));
    expect(values).toEqual([]);
    subs.unsubscribe();
  });

  it.each([
    [{ host: '127.0.0.1', port: 0 }, 'port'],
    [{ host: '127.0.0.1', port: 70000 }, 'port'],
    [{ host: '', port: 1060 }, 'host'],
    [{ host: '127.0.0.1', port: 1060, timeoutMs: 0 }, 'timeoutMs'],
  ])('bad options %j → INVALID_ARGUMENT before any socket', async (options, what) => {
    const err = await errorOf(connectTcp(options));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain(what);
  });

  it('completes when the connection closes', async () => {
    const subs = new Subscription();
    const listener = await open(listenTcp(), subs);
    let completed = false;
    let conn: TcpConnection | undefined;
    connectTcp({ host: '127.0.0.1', port: listener.local.port }).subscribe({
      next: (c) => (conn = c),
      complete: () => (completed = true),
    });
    await until(() => conn !== undefined, 'connected');
    expect(completed).toBe(false);
    conn?.close();
    await until(() => completed, 'completion after close');
    subs.unsubscribe();
  });
});
