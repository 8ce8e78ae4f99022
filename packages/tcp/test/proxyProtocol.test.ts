import { encodeProxyHeader, endpoint, isPortaError, PROXY_TLV, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import {
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  Subscription,
  take,
  toArray,
  VirtualTimeScheduler,
} from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectTcp,
  type ListenTcpOptions,
  listenTcp,
  type RejectedConnection,
  tcpTransport,
} from '../src/index.js';
import { advanceTo, collect, errorOf, open, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const text = (s: string) => new TextEncoder().encode(s);
const client = endpoint('203.0.113.7', 51000);
const concat = (a: Uint8Array, b: Uint8Array) => Buffer.concat([a, b]);

async function listenWith(options: ListenTcpOptions, subs: Subscription) {
  const listener = await open(listenTcp(options), subs);
  const rejected: RejectedConnection[] = [];
  subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
  return { listener, rejected };
}

async function dial(port: number, subs: Subscription, localAddress?: string) {
  return open(connectTcp({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) }), subs);
}

describe('listenTcp with proxyProtocol', () => {
  for (const version of [1, 2] as const) {
    it(`takes the client from a trusted balancer's v${version} header; the balancer stays as via; data after it is intact`, async () => {
      const subs = new Subscription();
      const { listener } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.0/8'] } }, subs);
      const accepted = firstValueFrom(listener.connections);
      const balancer = await dial(listener.local.port, subs);
      const header = encodeProxyHeader({ version, source: client, destination: listener.local });
      // The header and the first application bytes in one write, as HAProxy often sends them.
      await lastValueFrom(balancer.send(concat(header, text('Enviei, servidor'))));
      balancer.end();
      const conn = await accepted;
      expect(conn.remote).toEqual(client);
      expect(conn.id).toBe('tcp:203.0.113.7:51000');
      expect(conn.proxied?.via).toEqual(balancer.local);
      expect(conn.proxied?.header.version).toBe(version);
      expect((await collect(conn.bytes)).toString()).toBe('Enviei, servidor');
      subs.unsubscribe();
    });
  }

  it('reads a header that arrives one byte at a time', async () => {
    const subs = new Subscription();
    const { listener } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.1'] } }, subs);
    const accepted = firstValueFrom(listener.connections);
    const balancer = await dial(listener.local.port, subs);
    const wire = encodeProxyHeader({ version: 2, source: client, destination: listener.local });
    for (const byte of wire) {
      await lastValueFrom(balancer.send(Uint8Array.of(byte)));
      await new Promise((r) => setImmediate(r));
    }
    await lastValueFrom(balancer.send(text('x')));
    balancer.end();
    const conn = await accepted;
    expect(conn.remote).toEqual(client);
    expect((await collect(conn.bytes)).toString()).toBe('x');
    subs.unsubscribe();
  });

  it('exposes the v2 TLVs and keeps the balancer as remote for LOCAL (a health check)', async () => {
    const subs = new Subscription();
    const { listener } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.1'] } }, subs);
    const accepted = listener.connections.pipe(take(2), toArray());
    const all = lastValueFrom(accepted);
    const a = await dial(listener.local.port, subs);
    await lastValueFrom(
      a.send(
        encodeProxyHeader({
          version: 2,
          source: client,
          destination: listener.local,
          tlvs: [
            { type: PROXY_TLV.ALPN, value: text('h2') },
            { type: PROXY_TLV.AUTHORITY, value: text('example.org') },
            { type: PROXY_TLV.UNIQUE_ID, value: text('req-42') },
          ],
          checksum: true,
        }),
      ),
    );
    await until(() => listener.stats.accepted === 1, 'the first connection');
    const b = await dial(listener.local.port, subs);
    await lastValueFrom(b.send(encodeProxyHeader({ version: 2, command: 'LOCAL' })));
    const [first, second] = await all;
    expect(first!.proxied?.header).toMatchObject({
      alpn: 'h2',
      authority: 'example.org',
      uniqueId: text('req-42'),
    });
    expect(first!.proxied?.header.crc32c).toBeTypeOf('number');
    expect(second!.remote).toEqual(b.local);
    expect(second!.proxied?.header.command).toBe('LOCAL');
    subs.unsubscribe();
  });

  it('closes and counts a malformed header from a trusted source, and goes on serving', async () => {
    const subs = new Subscription();
    const { listener, rejected } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.1'] } }, subs);
    const bad = await dial(listener.local.port, subs);
    const closed = collect(bad.bytes);
    await lastValueFrom(bad.send(text('PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n')));
    expect((await closed).length).toBe(0);
    expect(rejected).toHaveLength(1);
    expect(isPortaError(rejected[0]!.error, 'PROXY_PROTOCOL')).toBe(true);
    expect(rejected[0]!.reason).toMatch(/source port "99999"/);
    expect(rejected[0]!.remote).toEqual(bad.local);
    expect(listener.stats).toMatchObject({ accepted: 0, rejected: 1, proxyErrors: 1 });

    const accepted = firstValueFrom(listener.connections);
    const good = await dial(listener.local.port, subs);
    await lastValueFrom(
      good.send(encodeProxyHeader({ version: 1, source: client, destination: listener.local })),
    );
    expect((await accepted).remote).toEqual(client);
    subs.unsubscribe();
  });

  it('closes and counts a trusted source that sends plain data instead of a header', async () => {
    const subs = new Subscription();
    const { listener, rejected } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.1'] } }, subs);
    const direct = await dial(listener.local.port, subs);
    const closed = collect(direct.bytes);
    await lastValueFrom(direct.send(text('Enviei, servidor')));
    await closed;
    expect(rejected[0]?.reason).toMatch(/not a PROXY header.*first bytes: 45 6e 76/);
    expect(listener.stats.proxyErrors).toBe(1);
    subs.unsubscribe();
  });

  it('closes and counts a header cut short by the end of the connection', async () => {
    const subs = new Subscription();
    const { listener, rejected } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.1'] } }, subs);
    const cut = await dial(listener.local.port, subs);
    await lastValueFrom(
      cut.send(
        encodeProxyHeader({ version: 2, source: client, destination: listener.local }).subarray(0, 20),
      ),
    );
    cut.end();
    await until(() => rejected.length === 1, 'the rejection');
    expect(rejected[0]!.reason).toMatch(/ended after 20 bytes, before its PROXY header was complete/);
    subs.unsubscribe();
  });

  it('closes a trusted source that is too slow to send its header (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const subs = new Subscription();
    const { listener, rejected } = await listenWith(
      { scheduler, proxyProtocol: { trusted: ['127.0.0.1'], headerTimeoutMs: 2_000 } },
      subs,
    );
    const slow = await dial(listener.local.port, subs);
    await lastValueFrom(slow.send(text('PROXY TCP4 ')));
    await until(() => listener.stats.open === 1, 'the accept');
    await new Promise((r) => setTimeout(r, 20));
    advanceTo(scheduler, 1_999);
    expect(rejected).toHaveLength(0);
    const closed = collect(slow.bytes);
    advanceTo(scheduler, 2_000);
    await closed;
    expect(rejected[0]!.reason).toMatch(/no complete PROXY header within 2000 ms \(11 bytes received\)/);
    subs.unsubscribe();
  });

  it('never believes a header from an untrusted source: refused, counted, its bytes not delivered', async () => {
    const subs = new Subscription();
    const { listener, rejected } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.2'] } }, subs);
    const accepted = firstValueFrom(listener.connections);
    const spoofer = await dial(listener.local.port, subs);
    const conn = await accepted;
    const seen = errorOf(conn.bytes);
    await lastValueFrom(
      spoofer.send(
        concat(encodeProxyHeader({ version: 1, source: client, destination: listener.local }), text('hi')),
      ),
    );
    const error = await seen;
    expect(isPortaError(error, 'PROXY_PROTOCOL')).toBe(true);
    expect(conn.remote).toEqual(spoofer.local);
    expect(conn.proxied).toBeUndefined();
    expect(rejected[0]!.reason).toMatch(
      /127\.0\.0\.1:\d+ is not a trusted balancer but opened with a PROXY header/,
    );
    expect(listener.stats.proxyErrors).toBe(1);
    subs.unsubscribe();
  });

  it('serves an untrusted source that sends no header as a plain connection, server speaking first', async () => {
    const subs = new Subscription();
    const { listener } = await listenWith({ proxyProtocol: { trusted: ['127.0.0.2'] } }, subs);
    subs.add(
      listener.connections.subscribe((conn) => {
        subs.add(conn.send(text('hello first')).subscribe(() => conn.end()));
        subs.add(conn.bytes.subscribe());
      }),
    );
    const plain = await dial(listener.local.port, subs);
    expect((await collect(plain.bytes)).toString()).toBe('hello first');
    expect(listener.stats.proxyErrors).toBe(0);
    subs.unsubscribe();
  });

  it('refuses a trust list entry that is not an address or range, before any socket', async () => {
    const err = await errorOf(listenTcp({ proxyProtocol: { trusted: ['haproxy.local'] } }));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain('"haproxy.local"');
  });
});

describe('tcpTransport with proxyProtocol', () => {
  it("gives serve's actors and events the real client; header errors become rejected events", async () => {
    const subs = new Subscription();
    const events: string[] = [];
    const server = serve(tcpTransport({ proxyProtocol: { trusted: ['127.0.0.1'] } }), (peer) =>
      peer.messages.pipe(map(() => text(`you are ${peer.remote.address}:${peer.remote.port}\n`))),
    );
    const port = await new Promise<number>((resolve) => {
      subs.add(
        server.subscribe((e) => {
          events.push(e.type === 'opened' ? `opened ${e.peer.remote.address}` : e.type);
          if (e.type === 'listening') resolve(e.local.port);
        }),
      );
    });
    const balancer = await dial(port, subs);
    const reply = firstValueFrom(balancer.bytes.pipe(filter((b) => b.length > 0)));
    await lastValueFrom(
      balancer.send(
        concat(
          encodeProxyHeader({ version: 2, source: client, destination: endpoint('127.0.0.1', port) }),
          text('?'),
        ),
      ),
    );
    expect(Buffer.from(await reply).toString()).toBe('you are 203.0.113.7:51000\n');
    expect(events).toContain('opened 203.0.113.7');

    const bad = await dial(port, subs);
    await lastValueFrom(bad.send(text('GET / HTTP/1.0\r\n\r\n')));
    await until(() => events.includes('rejected'), 'the rejected event');
    subs.unsubscribe();
  });
});
