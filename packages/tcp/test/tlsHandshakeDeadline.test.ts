import net from 'node:net';
import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { Subscription, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, listenTcp, type RejectedConnection } from '../src/index.js';
import { advanceTo, noOpenssl, open, releaseAll, selfSignedCert, until } from './support.js';

trackHandles();
afterEach(releaseAll);
const live = new Set<Subscription>();
afterEach(() => {
  for (const subs of live) subs.unsubscribe();
  live.clear();
});

/** A subscription the cleanup unsubscribes even when an assertion failed first. */
function owned(): Subscription {
  const subs = new Subscription();
  live.add(subs);
  return subs;
}

/** A plain TCP socket to `port` that never says anything (no ClientHello). */
function silentSocket(port: number, subs: Subscription): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => {});
    socket.once('error', reject);
    subs.add(() => socket.destroy());
  });
}

describe.skipIf(noOpenssl !== undefined)(`TLS handshake deadline (${noOpenssl ?? 'openssl'})`, () => {
  const { key, cert } =
    noOpenssl === undefined ? selfSignedCert() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

  it('silent handshakes holding every slot are cut at the default 5 s deadline; their slots free and a real client is served', async () => {
    const scheduler = new VirtualTimeScheduler();
    const subs = owned();
    const listener = await open(listenTcp({ tls: { key, cert }, maxConnections: 4, scheduler }), subs);
    const rejected: RejectedConnection[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
    const silent = await Promise.all([1, 2, 3, 4].map(() => silentSocket(listener.local.port, subs)));
    const silentPorts = silent.map((s) => s.localPort).sort();
    await until(() => listener.stats.open === 4, 'the four silent sockets to hold the four slots');

    advanceTo(scheduler, 4_999);
    expect(listener.stats.open).toBe(4);
    advanceTo(scheduler, 5_000);
    await until(() => listener.stats.open === 0, 'the deadline to free every slot');
    expect(rejected.map((r) => r.error.code)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
    expect(rejected.map((r) => r.remote.port).sort()).toEqual(silentPorts);
    expect(rejected[0]?.reason).toMatch(
      /^TLS handshake with 127\.0\.0\.1:\d+ did not complete within 5000 ms$/,
    );

    const client = await open(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: { ca: cert } }),
      subs,
    );
    expect(client.remote.port).toBe(listener.local.port);
    subs.unsubscribe();
  });

  it('a shorter idleTimeoutMs is the handshake deadline', async () => {
    const scheduler = new VirtualTimeScheduler();
    const subs = owned();
    const listener = await open(
      listenTcp({ tls: { key, cert }, idleTimeoutMs: 1_000, handshakeTimeoutMs: 60_000, scheduler }),
      subs,
    );
    const rejected: string[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r.error.code)));
    await silentSocket(listener.local.port, subs);
    await until(() => listener.stats.open === 1, 'the silent socket to be counted');
    advanceTo(scheduler, 1_000);
    await until(() => listener.stats.open === 0, 'the idle deadline to cut the handshake');
    expect(rejected).toEqual(['TIMEOUT']);
    subs.unsubscribe();
  });

  it('a junk handshake frees its slot at once; the rejection names the peer and a one-line reason', async () => {
    const subs = owned();
    const listener = await open(listenTcp({ tls: { key, cert }, maxConnections: 1 }), subs);
    const rejected: RejectedConnection[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
    const junk = await silentSocket(listener.local.port, subs);
    const junkPort = junk.localPort;
    junk.write('GET / HTTP/1.0\r\n\r\n');
    await until(() => rejected.length === 1, 'the junk handshake to be rejected');
    await until(() => listener.stats.open === 0, 'its slot to be freed');
    const [event] = rejected;
    expect(isPortaError(event?.error, 'TLS')).toBe(true);
    expect(event?.remote).toEqual({ address: '127.0.0.1', port: junkPort, family: 'IPv4' });
    expect(event?.reason).not.toMatch(/\n|\.c:\d|SSL routines/);
    expect(event?.reason).toMatch(/^TLS handshake with 127\.0\.0\.1:\d+ failed: \S/);
    const client = await open(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: { ca: cert } }),
      subs,
    );
    expect(client.remote.port).toBe(listener.local.port);
    subs.unsubscribe();
  });

  it('a client hanging up mid-handshake is rejected with its own address, not port 0', async () => {
    const subs = owned();
    const listener = await open(listenTcp({ tls: { key, cert } }), subs);
    const rejected: RejectedConnection[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
    const quitter = await silentSocket(listener.local.port, subs);
    const port = quitter.localPort;
    await until(() => listener.stats.open === 1, 'the connection to be counted');
    quitter.end();
    await until(() => rejected.length === 1, 'the hang-up to be rejected');
    expect(rejected[0]?.remote.port).toBe(port);
    expect(rejected[0]?.reason).not.toContain('\n');
    await until(() => listener.stats.open === 0, 'its slot to be freed');
    subs.unsubscribe();
  });
});
