import { isPortaError, MAX_DATAGRAM_IPV4, sameEndpoint } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { bindUdp, connectUdp, type UdpSocket } from '@porta/udp';
import { mergeMap, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ascii, errorOf, expectBytes, first, opener, pattern, until } from './helpers.js';

trackHandles();
const open = opener();
const echoes: Subscription[] = [];
afterEach(() => {
  for (const s of echoes.splice(0)) s.unsubscribe();
});

const udpHandles = () => countResources().get('UDPWrap') ?? 0;

/** A server that sends every datagram back to its sender. */
function echo(server: UdpSocket): void {
  echoes.push(server.datagrams.pipe(mergeMap((d) => server.send(d.data, d.remote))).subscribe());
}

describe('connectUdp', () => {
  it('exposes both socket names: a concrete local address and the remote (getpeername)', async () => {
    const { value: server } = await open(bindUdp());
    const { value: client } = await open(connectUdp(server.local));
    expect(sameEndpoint(client.remote, server.local)).toBe(true);
    expect(client.local.address).toBe('127.0.0.1');
    expect(client.local.port).toBeGreaterThan(0);
    expect(client.maxDatagramSize).toBe(MAX_DATAGRAM_IPV4);
  });

  it('sends to its remote and receives the replies; the server sees the client as sender', async () => {
    const { value: server } = await open(bindUdp());
    const { value: client } = await open(connectUdp({ address: '127.0.0.1', port: server.local.port }));
    const request = first(server.datagrams);
    await first(client.send(ascii('hello')));
    const got = await request;
    expect(sameEndpoint(got.remote, client.local)).toBe(true);

    const reply = first(client.messages);
    await first(server.send(ascii('world'), got.remote));
    expect(new TextDecoder().decode(await reply)).toBe('world');
    expect(client.stats).toMatchObject({ sent: 1, received: 1, dropped: 0 });
  });

  it('is dropped by the kernel when a third socket writes to it, while the real reply gets through', async () => {
    const { value: server } = await open(bindUdp());
    const { value: stranger } = await open(bindUdp());
    const { value: client } = await open(connectUdp(server.local));
    const seen: string[] = [];
    const subscription = client.messages.subscribe((m) => seen.push(new TextDecoder().decode(m)));
    try {
      // The stranger's datagram is handed to the kernel before the server's reply is even sent.
      await first(stranger.send(ascii('FAKE'), client.local));
      await first(server.send(ascii('real 1'), client.local));
      await until(() => seen.length >= 1);
      await first(server.send(ascii('real 2'), client.local));
      await until(() => seen.length >= 2);
      expect(seen).toEqual(['real 1', 'real 2']);
      expect(client.stats.received).toBe(2);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('positive control: an unconnected socket does accept the stranger', async () => {
    const { value: stranger } = await open(bindUdp());
    const { value: naive } = await open(bindUdp());
    const got = first(naive.datagrams);
    await first(stranger.send(ascii('FAKE'), naive.local));
    expect(sameEndpoint((await got).remote, stranger.local)).toBe(true);
  });

  it('turns ICMP port unreachable into PORT_UNREACHABLE instead of a silent wait', async () => {
    const closed = await open(bindUdp());
    const port = closed.value.local.port;
    closed.close();
    const { value: client } = await open(connectUdp({ address: '127.0.0.1', port }));
    const failure = errorOf(client.messages);
    // The OS may report the ICMP error to this send or to the receive path; either way, messages fails.
    await errorOf(client.send(ascii('anyone?'))).catch(() => undefined);
    const err = await failure;
    expect(isPortaError(err, 'PORT_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('carries empty datagrams both ways', async () => {
    const { value: server } = await open(bindUdp());
    echo(server);
    const { value: client } = await open(connectUdp(server.local));
    const reply = first(client.messages);
    await first(client.send(new Uint8Array(0)));
    expect((await reply).byteLength).toBe(0);
    expect(server.stats.received).toBe(1);
  });

  it('carries 65,507-byte datagrams both ways intact, and refuses 65,508 before sending', async () => {
    const { value: server } = await open(bindUdp());
    echo(server);
    const { value: client } = await open(connectUdp(server.local));
    const payload = pattern(MAX_DATAGRAM_IPV4, 9);
    const reply = first(client.messages);
    await first(client.send(payload));
    expectBytes(await reply, payload);

    const err = await errorOf(client.send(new Uint8Array(MAX_DATAGRAM_IPV4 + 1)));
    expect(isPortaError(err, 'DATAGRAM_TOO_LARGE')).toBe(true);
    expect(client.stats.sent).toBe(1);
  });

  it('round-trips over IPv6', async () => {
    const { value: server } = await open(bindUdp({ address: '::1' }));
    echo(server);
    const { value: client } = await open(connectUdp(server.local));
    expect(client.family).toBe('IPv6');
    expect(client.local.address).toBe('::1');
    const reply = first(client.messages);
    await first(client.send(ascii('six')));
    expect(new TextDecoder().decode(await reply)).toBe('six');
  });

  describe('refuses bad arguments before any socket exists (INVALID_ARGUMENT)', () => {
    const cases: [string, Parameters<typeof connectUdp>][] = [
      ['remote port 0', [{ address: '127.0.0.1', port: 0 }]],
      ['remote port -1', [{ address: '127.0.0.1', port: -1 }]],
      ['remote port 65536', [{ address: '127.0.0.1', port: 65536 }]],
      ['remote port 1.5', [{ address: '127.0.0.1', port: 1.5 }]],
      ['remote port NaN', [{ address: '127.0.0.1', port: Number.NaN }]],
      ['remote address 999.1.1.1', [{ address: '999.1.1.1', port: 9 }]],
      ['remote address that is neither an IP nor a name', [{ address: 'exa mple.com', port: 9 }]],
      ['a family that contradicts the remote', [{ address: '127.0.0.1', port: 9 }, { family: 6 }]],
      ['family 5', [{ address: 'localhost', port: 9 }, { family: 5 as 4 }]],
      ['local address of the other family', [{ address: '127.0.0.1', port: 9 }, { localAddress: '::1' }]],
      ['local port 70000', [{ address: '127.0.0.1', port: 9 }, { localPort: 70000 }]],
    ];
    it.each(cases)('%s', (_, args) => {
      const before = udpHandles();
      let error: unknown;
      connectUdp(...args)
        .subscribe({ error: (err: unknown) => (error = err) })
        .unsubscribe();
      expect(isPortaError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect(udpHandles()).toBe(before);
    });
  });

  it('reports a busy local port as ADDRESS_IN_USE naming it', async () => {
    const { value: taken } = await open(bindUdp());
    const err = await errorOf(
      connectUdp(
        { address: '127.0.0.1', port: 9 },
        { localAddress: '127.0.0.1', localPort: taken.local.port },
      ),
    );
    expect(isPortaError(err, 'ADDRESS_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(String(taken.local.port));
  });

  it('closes cleanly when unsubscribed while connecting', async () => {
    const { value: server } = await open(bindUdp());
    let emitted = false;
    const subscription = connectUdp(server.local).subscribe(() => (emitted = true));
    subscription.unsubscribe();
    expect(emitted).toBe(false);
  });

  it('completes messages and refuses sends once unsubscribed', async () => {
    const { value: server } = await open(bindUdp());
    const connection = await open(connectUdp(server.local));
    const client = connection.value;
    let completed = false;
    client.messages.subscribe({ complete: () => (completed = true) });
    connection.close();
    expect(completed).toBe(true);
    expect(isPortaError(await errorOf(client.send(ascii('late'))), 'SOCKET_CLOSED')).toBe(true);
  });
});
