import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedPair, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

// More than loopback's socket buffers hold, so most of it is still in the process when the socket dies.
const BIG = 32 * 1024 * 1024;

/** Subscribes to `send` and resolves with how it ended. */
function outcome(
  send: import('rxjs').Observable<void>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  return new Promise((resolve) => {
    send.subscribe({
      complete: () => resolve({ ok: true }),
      error: (error: unknown) => resolve({ ok: false, error }),
    });
  });
}

describe('send outcome when the socket dies mid-write', () => {
  it('a send cut off by the peer resetting errors instead of completing', async () => {
    const { server, client, subs } = await connectedPair();
    // The server never reads, so the 32 MiB cannot all leave the client before the reset.
    const result = outcome(client.send(new Uint8Array(BIG)));
    await until(() => client.stats.pendingWriteBytes > 0, 'bytes waiting in the client');
    server.reset();
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(isPortaError(r.error, 'CONNECTION_RESET')).toBe(true);
    subs.unsubscribe();
  });

  it('a send cut off by close() errors with SOCKET_CLOSED instead of completing', async () => {
    const { client, subs } = await connectedPair();
    const result = outcome(client.send(new Uint8Array(BIG)));
    await until(() => client.stats.pendingWriteBytes > 0, 'bytes waiting in the client');
    client.close();
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(isPortaError(r.error, 'SOCKET_CLOSED')).toBe(true);
    subs.unsubscribe();
  });

  it('a small send the OS took at once still completes when close() follows it immediately', async () => {
    const { server, client, subs } = await connectedPair();
    const received: Uint8Array[] = [];
    server.bytes.subscribe((c) => received.push(c));
    const result = outcome(client.send(Uint8Array.of(1, 2, 3)));
    client.close();
    expect(await result).toEqual({ ok: true });
    await until(() => received.length > 0, 'the bytes at the server');
    expect(received.flatMap((c) => [...c])).toEqual([1, 2, 3]);
    subs.unsubscribe();
  });
});

describe('sendAll when the socket closes while it waits for drain', () => {
  it('errors (SOCKET_CLOSED) instead of waiting forever for a drain that never comes', async () => {
    const { client, subs } = await connectedPair();
    // The first frame cannot all leave at once, so sendAll waits for 'drain' before pulling the next.
    const result = outcome(client.sendAll([new Uint8Array(BIG), Uint8Array.of(1)]));
    await until(() => client.stats.pendingWriteBytes > 0, 'bytes waiting in the client');
    client.close();
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(isPortaError(r.error, 'SOCKET_CLOSED'), String(r.error)).toBe(true);
    subs.unsubscribe();
  });
});
