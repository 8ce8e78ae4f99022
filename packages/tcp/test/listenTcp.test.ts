import { isPortaError } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { lastValueFrom, Subscription, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, listenTcp } from '../src/index.js';
import { advanceTo, collect, connectedPair, errorOf, open, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const text = (s: string) => new TextEncoder().encode(s);

describe('listenTcp', () => {
  it('listens on loopback port 0 and reports the real port; both ends know both addresses', async () => {
    const { listener, server, client, subs } = await connectedPair();
    expect(listener.local).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(listener.local.port).toBeGreaterThan(0);
    expect(client.remote).toEqual(listener.local);
    expect(server.local).toEqual(listener.local);
    expect(server.remote).toEqual(client.local);
    expect(server.id).toBe(`tcp:127.0.0.1:${client.local.port}`);
    subs.unsubscribe();
  });

  it('round trip: client sends, server echoes the bytes back, both complete on FIN', async () => {
    const { server, client, subs } = await connectedPair();
    const echoed = collect(client.bytes);
    const received = collect(server.bytes);
    await lastValueFrom(client.send(text('Enviei, servidor')));
    client.end();
    const atServer = await received;
    await lastValueFrom(server.send(atServer));
    server.end();
    expect(new TextDecoder().decode(await echoed)).toBe('Enviei, servidor');
    expect(client.stats.bytesWritten).toBe(16);
    subs.unsubscribe();
  });

  it('listens on IPv6 loopback ::1', async () => {
    const { listener, client, subs } = await connectedPair({ host: '::1' });
    expect(listener.local).toMatchObject({ address: '::1', family: 'IPv6' });
    expect(client.remote).toMatchObject({ address: '::1', family: 'IPv6', port: listener.local.port });
    subs.unsubscribe();
  });

  it('busy port → ADDRESS_IN_USE naming the port', async () => {
    const subs = new Subscription();
    const first = await open(listenTcp(), subs);
    const err = await errorOf(listenTcp({ port: first.local.port }), subs);
    expect(isPortaError(err, 'ADDRESS_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(String(first.local.port));
    subs.unsubscribe();
  });

  it.each([
    [{ port: -1 }, 'port'],
    [{ port: 65536 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ port: Number.NaN }, 'port'],
    [{ host: 'not an address' }, 'host'],
    [{ host: '256.1.1.1' }, 'host'],
    [{ maxConnections: 0 }, 'maxConnections'],
    [{ idleTimeoutMs: -5 }, 'idleTimeoutMs'],
  ])('bad options %j → INVALID_ARGUMENT before any socket', async (options, what) => {
    const before = countResources().get('TCPServerWrap') ?? 0;
    const err = await errorOf(listenTcp(options));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain(what);
    expect(countResources().get('TCPServerWrap') ?? 0).toBe(before);
  });

  it('unsubscribing during listen leaves no open handle', async () => {
    const subscription = listenTcp().subscribe();
    subscription.unsubscribe();
    // trackHandles checks after the test; also check that nothing was emitted late.
    await new Promise((r) => setTimeout(r, 20));
    expect(countResources().get('TCPServerWrap') ?? 0).toBe(0);
  });

  it('unsubscribing closes the listener and every accepted connection', async () => {
    const { client, subs } = await connectedPair();
    const end = collect(client.bytes);
    subs.unsubscribe();
    await expect(end).resolves.toHaveLength(0);
    await until(() => client.isClosed, 'client close');
  });

  it('maxConnections: connection N+1 is refused and counted; its slot is reused after a close', async () => {
    const subs = new Subscription();
    const listener = await open(listenTcp({ maxConnections: 2 }), subs);
    const rejected: string[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r.error.code)));
    const accepted: number[] = [];
    // A server that reads its connections notices when a peer closes (a paused one would not).
    subs.add(
      listener.connections.subscribe((c) => {
        accepted.push(c.remote.port);
        subs.add(c.bytes.subscribe({ complete: () => c.close() }));
      }),
    );
    const dial = () => open(connectTcp({ host: '127.0.0.1', port: listener.local.port }), subs);

    const a = await dial();
    await dial();
    await until(() => accepted.length === 2, 'two accepted');
    const third = await dial();
    // The refused one is closed at once: its inbound ends without data.
    await expect(collect(third.bytes)).resolves.toHaveLength(0);
    await until(() => rejected.length === 1, 'one rejected');
    expect(rejected).toEqual(['CONNECTION_LIMIT']);
    expect(listener.stats).toMatchObject({ accepted: 2, rejected: 1, open: 2 });

    a.close();
    await until(() => listener.stats.open === 1, 'slot freed');
    const fourth = await dial();
    await until(() => accepted.length === 3, 'slot reused');
    expect(accepted[2]).toBe(fourth.local.port);
    expect(listener.stats).toMatchObject({ accepted: 3, rejected: 1, open: 2 });
    subs.unsubscribe();
  });

  it('graceful shutdown: stops accepting, lets open connections finish, then completes', async () => {
    const { listener, server, client, subs } = await connectedPair();
    let listenCompleted = false;
    // A second observer of the same listener subscription's end: connections completes on shutdown.
    let connectionsCompleted = false;
    subs.add(listener.connections.subscribe({ complete: () => (connectionsCompleted = true) }));
    let shutDown = false;
    subs.add(listener.shutdown(60_000).subscribe({ complete: () => (shutDown = true) }));
    expect(connectionsCompleted).toBe(true);
    // New connections are refused by the OS once the listening socket is closed.
    const refused = await errorOf(connectTcp({ host: '127.0.0.1', port: listener.local.port }));
    expect(isPortaError(refused, 'CONNECTION_REFUSED')).toBe(true);
    // The open connection still works both ways.
    const reply = collect(client.bytes);
    await lastValueFrom(server.send(text('still here')));
    expect(shutDown).toBe(false);
    server.end();
    client.end();
    expect(new TextDecoder().decode(await reply)).toBe('still here');
    await until(() => shutDown, 'shutdown to complete');
    listenCompleted = true;
    expect(listenCompleted).toBe(true);
    subs.unsubscribe();
  });

  it('graceful shutdown destroys connections still open after the grace period (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { listener, client, subs } = await connectedPair({ scheduler });
    let listenerDone = false;
    let shutDown = false;
    subs.add(listener.shutdown(5_000).subscribe({ complete: () => (shutDown = true) }));
    const inbound = collect(client.bytes);
    advanceTo(scheduler, 4_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(client.isClosed).toBe(false);
    advanceTo(scheduler, 5_000);
    await inbound;
    await until(() => shutDown, 'shutdown after grace');
    listenerDone = true;
    expect(listenerDone).toBe(true);
    subs.unsubscribe();
  });
});
