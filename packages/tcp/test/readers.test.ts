import { trackHandles } from '@porta/core/testing';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpPeerLink } from '../src/index.js';
import { connectedPair, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const text = (s: string) => new TextEncoder().encode(s);
const decode = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks).toString();

/** A receiver that records what it is told. */
function recorder() {
  const seen = { chunks: [] as Uint8Array[], errors: [] as unknown[], completions: 0, calls: 0 };
  return {
    seen,
    receiver: {
      next: (c: Uint8Array) => {
        seen.calls++;
        seen.chunks.push(c);
      },
      error: (e: unknown) => {
        seen.calls++;
        seen.errors.push(e);
      },
      complete: () => {
        seen.calls++;
        seen.completions++;
      },
    },
  };
}

describe("TcpPeerLink.listen (the actor runtime's way in)", () => {
  it('gets the bytes sent before it listened (the socket waited), then those after, and completes once at FIN', async () => {
    const { server, client } = await connectedPair();
    const link = new TcpPeerLink(server);
    await lastValueFrom(client.send(text('before ')));
    await new Promise((r) => setTimeout(r, 20));
    const r = recorder();
    link.listen(r.receiver);
    await until(() => decode(r.seen.chunks) === 'before ', 'the bytes that waited');
    await lastValueFrom(client.send(text('after')));
    client.end();
    await until(() => r.seen.completions === 1, 'completion at FIN');
    expect(decode(r.seen.chunks)).toBe('before after');
    expect(r.seen.errors).toEqual([]);
    // Nothing more once it completed, even when the connection then closes.
    const calls = r.seen.calls;
    server.close();
    await lastValueFrom(server.closed);
    expect(r.seen.calls).toBe(calls);
  });

  it('stops getting bytes once unsubscribed, and the socket pauses again (bytes wait for the next reader)', async () => {
    const { server, client } = await connectedPair();
    const link = new TcpPeerLink(server);
    const first = recorder();
    const handle = link.listen(first.receiver);
    await lastValueFrom(client.send(text('one')));
    await until(() => decode(first.seen.chunks) === 'one', 'first chunk');
    handle.unsubscribe();
    await lastValueFrom(client.send(text('two')));
    await new Promise((r) => setTimeout(r, 20));
    expect(decode(first.seen.chunks)).toBe('one');
    const next = recorder();
    link.listen(next.receiver);
    await until(() => decode(next.seen.chunks) === 'two', 'the bytes that waited for the next reader');
    expect(first.seen.calls).toBe(1);
  });

  it('a peer reset reaches the receiver as one CONNECTION_RESET error', async () => {
    const { server, client } = await connectedPair();
    const r = recorder();
    new TcpPeerLink(server).listen(r.receiver);
    client.reset();
    await until(() => r.seen.errors.length === 1, 'the reset');
    await lastValueFrom(server.closed);
    expect(r.seen.errors[0]).toMatchObject({ code: 'CONNECTION_RESET' });
    expect(r.seen.completions).toBe(0);
  });
});

describe('several readers of conn.bytes', () => {
  it('each sees the chunks that arrive while it reads; one that leaves during a chunk gets nothing more', async () => {
    const { server, client } = await connectedPair();
    const a: string[] = [];
    const b: string[] = [];
    let stopB = false;
    const subA = server.bytes.subscribe((c) => {
      a.push(Buffer.from(c).toString());
      if (stopB) subB.unsubscribe();
    });
    const subB = server.bytes.subscribe((c) => b.push(Buffer.from(c).toString()));
    await lastValueFrom(client.send(text('x')));
    await until(() => a.length === 1 && b.length === 1, 'x to both');
    // A unsubscribes B while handling the next chunk, before B's turn: B must not get it.
    stopB = true;
    await lastValueFrom(client.send(text('y')));
    await until(() => a.length === 2, 'y to A');
    const late: string[] = [];
    let lateDone = false;
    server.bytes.subscribe({
      next: (c) => late.push(Buffer.from(c).toString()),
      complete: () => (lateDone = true),
    });
    await lastValueFrom(client.send(text('z')));
    client.end();
    await until(() => lateDone, 'FIN to the late reader');
    expect(a.join('')).toBe('xyz');
    expect(b).toEqual(['x']);
    expect(late.join('')).toBe('z');
    expect(subA.closed).toBe(true);
  });
});

describe("an accepted connection's local end", () => {
  it('is the listening address itself when the listener is bound to one address', async () => {
    const { listener, server, client } = await connectedPair({ host: '127.0.0.1', port: 0 });
    expect(server.local).toBe(listener.local);
    expect(server.local).toEqual(client.remote);
  });

  it('is asked of the socket when the listener is bound to the any-address', async () => {
    const { listener, server, client } = await connectedPair(
      { host: '0.0.0.0', port: 0 },
      { host: '127.0.0.1' },
    );
    expect(listener.local.address).toBe('0.0.0.0');
    expect(server.local).toEqual({ address: '127.0.0.1', port: listener.local.port, family: 'IPv4' });
    expect(server.local).toEqual(client.remote);
  });
});
