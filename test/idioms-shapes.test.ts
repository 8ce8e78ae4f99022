import { filterOrigin, isPortaError, toEndpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { requester, serveRequests } from '@porta/reliability';
import { connectTcp, listenTcp, openTcpConnection, openTcpListener } from '@porta/tcp';
import { openUdpSocket } from '@porta/udp';
import { firstValueFrom, lastValueFrom, type Observable, of, Subscription, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

trackHandles();

let subs = new Subscription();
afterEach(() => {
  subs.unsubscribe();
  subs = new Subscription();
});

function errorOf(source: Observable<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    subs.add(source.subscribe({ error: resolve, complete: () => reject(new Error('completed')) }));
  });
}

// `.invalid` is reserved (RFC 2606): it never resolves, and the resolver answers at once.
const NO_SUCH_HOST = 'porta-test.invalid';

describe('DNS failures have a code of their own', () => {
  it('connectTcp to a name that does not resolve → DNS_LOOKUP_FAILED naming the host', async () => {
    const err = await errorOf(connectTcp({ host: NO_SUCH_HOST, port: 1060 }));
    expect(isPortaError(err, 'DNS_LOOKUP_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`"${NO_SUCH_HOST}"`);
    expect((err as { host?: string }).host).toBe(NO_SUCH_HOST);
    expect((err as { syscallCode?: string }).syscallCode).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('listenTcp on a name that does not resolve → DNS_LOOKUP_FAILED, and the promise forms reject the same', async () => {
    const err = await errorOf(listenTcp({ host: NO_SUCH_HOST, port: 0 }));
    expect(isPortaError(err, 'DNS_LOOKUP_FAILED')).toBe(true);
    await expect(openTcpListener({ host: NO_SUCH_HOST })).rejects.toMatchObject({
      code: 'DNS_LOOKUP_FAILED',
    });
    await expect(openTcpConnection({ address: NO_SUCH_HOST, port: 1 })).rejects.toMatchObject({
      code: 'DNS_LOOKUP_FAILED',
      host: NO_SUCH_HOST,
    });
  });
});

describe('listenTcp and connectTcp agree on hosts', () => {
  it('both take a host name: listen on localhost, connect to localhost', async () => {
    await using listener = await openTcpListener({ host: 'localhost', port: 0 });
    expect(['127.0.0.1', '::1']).toContain(listener.local.address);
    await using conn = await openTcpConnection({ host: 'localhost', port: listener.local.port });
    expect(conn.remote.port).toBe(listener.local.port);
  });

  it.each(['', 'two words', '256.1.1.1', '1.2.3'])('both refuse %j before any socket', async (host) => {
    const listening = await errorOf(listenTcp({ host, port: 0 }));
    const connecting = await errorOf(connectTcp({ host, port: 1060 }));
    expect(isPortaError(listening, 'INVALID_ARGUMENT')).toBe(true);
    expect(isPortaError(connecting, 'INVALID_ARGUMENT')).toBe(true);
    expect((listening as Error).message).toBe((connecting as Error).message);
  });
});

describe('every API that takes a remote takes { address, port }', () => {
  it('connectTcp(remote, options): a bare { address, port } or an Endpoint', async () => {
    await using listener = await openTcpListener({ host: '::1', port: 0 });
    // The connection closes as firstValueFrom unsubscribes; its endpoints were read at CONNECT.
    const viaRemote = await firstValueFrom(
      connectTcp({ address: '::1', port: listener.local.port }, { noDelay: true }),
    );
    expect(viaRemote.remote).toEqual({ address: '::1', port: listener.local.port, family: 'IPv6' });
    await using viaEndpoint = await openTcpConnection(listener.local);
    expect(viaEndpoint.remote.family).toBe('IPv6');
  });

  it('requester.request and filterOrigin infer the family', async () => {
    await using server = await openUdpSocket({ port: 0 });
    subs.add(serveRequests(server, (payload) => of(payload)).subscribe());
    await using client = await openUdpSocket({ port: 0 });
    const reply = await firstValueFrom(
      requester(client).request(Uint8Array.of(4, 2), { address: '127.0.0.1', port: server.local.port }),
    );
    expect([...reply]).toEqual([4, 2]);

    const datagrams = [
      { data: Uint8Array.of(1), remote: { address: '127.0.0.1', port: 7, family: 'IPv4' as const } },
      { data: Uint8Array.of(2), remote: { address: '127.0.0.1', port: 8, family: 'IPv4' as const } },
    ];
    const kept = await lastValueFrom(
      of(...datagrams).pipe(filterOrigin({ address: '127.0.0.1', port: 8 }, { onDrop: () => {} }), toArray()),
    );
    expect(kept.map((d) => d.data[0])).toEqual([2]);
  });

  it('toEndpoint infers the family, keeps an Endpoint, and refuses a host name', () => {
    expect(toEndpoint({ address: '::1', port: 1060 })).toEqual({
      address: '::1',
      port: 1060,
      family: 'IPv6',
    });
    const e = { address: '127.0.0.1', port: 1, family: 'IPv4' as const };
    expect(toEndpoint(e)).toBe(e);
    expect(() => toEndpoint({ address: 'localhost', port: 1 })).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => toEndpoint({ address: '127.0.0.1', port: 70_000 })).toThrow(/port/);
  });
});
