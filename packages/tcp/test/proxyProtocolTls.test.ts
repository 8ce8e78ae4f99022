// PROXY protocol together with TLS: the header arrives in clear before the ClientHello (as
// HAProxy's send-proxy / send-proxy-v2 to an `ssl` server sends it), is read off the raw socket,
// and only then does the TLS handshake start; the handshake deadline bounds both.
import net from 'node:net';
import tls from 'node:tls';
import { encodeProxyHeader, endpoint, isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom, Subscription, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListenTcpOptions, listenTcp, type RejectedConnection } from '../src/index.js';
import { advanceTo, collect, noOpenssl, open, releaseAll, selfSignedCert, until } from './support.js';

trackHandles();
afterEach(releaseAll);
const live = new Set<Subscription>();
afterEach(() => {
  for (const subs of live) subs.unsubscribe();
  live.clear();
});
function owned(): Subscription {
  const subs = new Subscription();
  live.add(subs);
  return subs;
}

const client = endpoint('203.0.113.7', 51000);

async function listenWith(options: ListenTcpOptions, subs: Subscription) {
  const listener = await open(listenTcp(options), subs);
  const rejected: RejectedConnection[] = [];
  subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
  return { listener, rejected };
}

/** A raw TCP connection to `port`, from `localAddress` (default 127.0.0.1). */
function rawSocket(port: number, subs: Subscription, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.on('error', () => {});
    socket.once('error', reject);
    subs.add(() => socket.destroy());
  });
}

/** TLS over an already connected socket (whatever was written before stays in clear before it). */
function tlsOver(socket: net.Socket, ca: Buffer, subs: Subscription): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, ca, servername: 'localhost' }, () => resolve(secure));
    secure.on('error', () => {});
    secure.once('error', reject);
    subs.add(() => secure.destroy());
  });
}

describe.skipIf(noOpenssl !== undefined)(
  `listenTcp with proxyProtocol and tls (${noOpenssl ?? 'openssl'})`,
  () => {
    const { key, cert } =
      noOpenssl === undefined ? selfSignedCert() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

    for (const version of [1, 2] as const) {
      it(`reads a v${version} header sent in clear before the handshake: remote is the client, via the balancer, the data after it is intact`, async () => {
        const subs = owned();
        const { listener, rejected } = await listenWith(
          { tls: { key, cert }, proxyProtocol: { trusted: ['127.0.0.0/8'] } },
          subs,
        );
        const accepted = firstValueFrom(listener.connections);
        const raw = await rawSocket(listener.local.port, subs);
        // The header and the ClientHello in one segment: the bytes after the header must reach TLS.
        raw.cork();
        raw.write(encodeProxyHeader({ version, source: client, destination: listener.local }));
        const secure = tlsOver(raw, cert, subs);
        process.nextTick(() => raw.uncork());
        const balancer = await secure;
        balancer.end('Enviei, servidor');
        const conn = await accepted;
        expect(conn.remote).toEqual(client);
        expect(conn.proxied?.via).toEqual(endpoint('127.0.0.1', raw.localPort!));
        expect(conn.proxied?.header.version).toBe(version);
        expect((await collect(conn.bytes)).toString()).toBe('Enviei, servidor');
        expect(rejected).toEqual([]);
        expect(listener.stats.proxyErrors).toBe(0);
      });
    }

    it('answers over TLS after the header: the reply is encrypted to the balancer', async () => {
      const subs = owned();
      const { listener } = await listenWith(
        { tls: { key, cert }, proxyProtocol: { trusted: ['127.0.0.1'] } },
        subs,
      );
      subs.add(
        listener.connections.subscribe((conn) => {
          subs.add(
            conn.send(new TextEncoder().encode(`hello ${conn.remote.address}`)).subscribe(() => conn.end()),
          );
        }),
      );
      const raw = await rawSocket(listener.local.port, subs);
      raw.write(encodeProxyHeader({ version: 2, source: client, destination: listener.local }));
      const secure = await tlsOver(raw, cert, subs);
      const reply = await new Promise<string>((done) => {
        let text = '';
        secure.on('data', (d) => (text += d.toString()));
        secure.on('end', () => done(text));
      });
      expect(reply).toBe('hello 203.0.113.7');
    });

    it('refuses and counts a PROXY header from a source that is not trusted, before any TLS', async () => {
      const subs = owned();
      const { listener, rejected } = await listenWith(
        { tls: { key, cert }, proxyProtocol: { trusted: ['10.0.0.0/8'] } },
        subs,
      );
      const delivered: unknown[] = [];
      subs.add(listener.connections.subscribe((c) => delivered.push(c)));
      const raw = await rawSocket(listener.local.port, subs);
      raw.write(encodeProxyHeader({ version: 1, source: client, destination: listener.local }));
      await until(() => rejected.length === 1, 'the spoofed header to be refused');
      expect(rejected[0]?.error.code).toBe('PROXY_PROTOCOL');
      expect(rejected[0]?.remote.address).toBe('127.0.0.1');
      expect(listener.stats.proxyErrors).toBe(1);
      await until(() => listener.stats.open === 0, 'the connection to close');
      expect(delivered).toEqual([]);
    });

    it('serves plain TLS from a source that is not trusted, with its own address', async () => {
      const subs = owned();
      const { listener, rejected } = await listenWith(
        { tls: { key, cert }, proxyProtocol: { trusted: ['10.0.0.0/8'] } },
        subs,
      );
      const accepted = firstValueFrom(listener.connections);
      const raw = await rawSocket(listener.local.port, subs);
      const secure = await tlsOver(raw, cert, subs);
      secure.end('hi');
      const conn = await accepted;
      expect(conn.remote).toEqual(endpoint('127.0.0.1', raw.localPort!));
      expect(conn.proxied).toBeUndefined();
      expect((await collect(conn.bytes)).toString()).toBe('hi');
      expect(rejected).toEqual([]);
    });

    it('refuses a trusted balancer that starts TLS without a header, as PROXY_PROTOCOL', async () => {
      const subs = owned();
      const { listener, rejected } = await listenWith(
        { tls: { key, cert }, proxyProtocol: { trusted: ['127.0.0.1'] } },
        subs,
      );
      const raw = await rawSocket(listener.local.port, subs);
      void tlsOver(raw, cert, subs).catch(() => {});
      await until(() => rejected.length === 1, 'the headerless connection to be refused');
      expect(rejected[0]?.error.code).toBe('PROXY_PROTOCOL');
      expect(listener.stats.proxyErrors).toBe(1);
    });

    it('cuts a header and handshake that together outlast handshakeTimeoutMs, counted once, in virtual time', async () => {
      const scheduler = new VirtualTimeScheduler();
      const subs = owned();
      const { listener, rejected } = await listenWith(
        {
          tls: { key, cert },
          handshakeTimeoutMs: 1_000,
          proxyProtocol: { trusted: ['127.0.0.1'], headerTimeoutMs: 60_000 },
          scheduler,
        },
        subs,
      );
      // A complete header, then silence: no ClientHello.
      const header = await rawSocket(listener.local.port, subs);
      header.write(encodeProxyHeader({ version: 2, source: client, destination: listener.local }));
      // Half a header, then silence.
      const half = await rawSocket(listener.local.port, subs);
      half.write(
        encodeProxyHeader({ version: 1, source: client, destination: listener.local }).subarray(0, 10),
      );
      await until(() => listener.stats.open === 2, 'both sockets to be counted');
      await new Promise((r) => setTimeout(r, 50)); // the bytes reach the listener
      advanceTo(scheduler, 999);
      expect(rejected).toEqual([]);
      advanceTo(scheduler, 1_000);
      await until(() => listener.stats.open === 0, 'the deadline to cut both');
      expect(rejected.map((r) => r.error.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
      expect(rejected.every((r) => isPortaError(r.error))).toBe(true);
      expect(listener.stats.proxyErrors).toBe(0);
      expect(listener.stats.rejected).toBe(2);
    });
  },
);
