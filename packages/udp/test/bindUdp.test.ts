import { type Datagram, isPortaError, MAX_DATAGRAM_IPV4, MAX_DATAGRAM_IPV6, sameEndpoint } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { bindUdp, type UdpDestination, type UdpSocket } from '@porta/udp';
import { firstValueFrom, merge, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ascii, errorOf, expectBytes, first, firstN, opener, pattern, until } from './helpers.js';

trackHandles();
const open = opener();

const udpHandles = () => countResources().get('UDPWrap') ?? 0;

/** Sends `data` from `from` to `to` and resolves with what `to` received. */
async function transfer(from: UdpSocket, to: UdpSocket, data: Uint8Array): Promise<Datagram> {
  const received = first(to.datagrams);
  await first(from.send(data, to.local));
  return received;
}

describe('bindUdp', () => {
  it('binds 127.0.0.1 on an OS-chosen port by default', async () => {
    const { value: socket } = await open(bindUdp());
    expect(socket.local.address).toBe('127.0.0.1');
    expect(socket.local.family).toBe('IPv4');
    expect(socket.local.port).toBeGreaterThan(0);
    expect(socket.maxDatagramSize).toBe(MAX_DATAGRAM_IPV4);
  });

  it('carries datagrams both ways over IPv4, each with its sender endpoint', async () => {
    const { value: a } = await open(bindUdp({ port: 0 }));
    const { value: b } = await open(bindUdp({ port: 0 }));

    const there = await transfer(a, b, ascii('ping'));
    expect(new TextDecoder().decode(there.data)).toBe('ping');
    expect(sameEndpoint(there.remote, a.local)).toBe(true);

    const reply = first(a.datagrams);
    await first(b.send(ascii('pong'), there.remote));
    const back = await reply;
    expect(new TextDecoder().decode(back.data)).toBe('pong');
    expect(sameEndpoint(back.remote, b.local)).toBe(true);
    expect(a.stats).toMatchObject({ sent: 1, received: 1, dropped: 0, bytesSent: 4, bytesReceived: 4 });
  });

  it('carries datagrams both ways over IPv6 (::1)', async () => {
    const { value: a } = await open(bindUdp({ address: '::1' }));
    const { value: b } = await open(bindUdp({ family: 'IPv6', ipv6Only: true }));
    expect(a.family).toBe('IPv6');
    expect(b.local.address).toBe('::1');
    expect(a.maxDatagramSize).toBe(MAX_DATAGRAM_IPV6);

    const there = await transfer(a, b, ascii('v6'));
    expect(sameEndpoint(there.remote, a.local)).toBe(true);
    const back = await transfer(b, a, ascii('v6 back'));
    expect(new TextDecoder().decode(back.data)).toBe('v6 back');
    expect(back.remote).toEqual({ address: '::1', port: b.local.port, family: 'IPv6' });
  });

  it('carries empty datagrams both ways', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    const there = await transfer(a, b, new Uint8Array(0));
    expect(there.data.byteLength).toBe(0);
    const back = await transfer(b, a, new Uint8Array(0));
    expect(back.data.byteLength).toBe(0);
    expect(sameEndpoint(back.remote, b.local)).toBe(true);
  });

  it('carries 65,507-byte datagrams both ways intact over IPv4', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    const out = pattern(MAX_DATAGRAM_IPV4, 1);
    const back = pattern(MAX_DATAGRAM_IPV4, 2);
    expectBytes((await transfer(a, b, out)).data, out);
    expectBytes((await transfer(b, a, back)).data, back);
  });

  it('carries a 65,527-byte datagram intact over IPv6', async () => {
    const { value: a } = await open(bindUdp({ address: '::1' }));
    const { value: b } = await open(bindUdp({ address: '::1' }));
    const out = pattern(MAX_DATAGRAM_IPV6, 3);
    expectBytes((await transfer(a, b, out)).data, out);
  });

  it('sizes the receive buffer so a burst of maximum-size datagrams queues without loss', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    expect(b.recvBufferSize).toBeGreaterThanOrEqual(8 * MAX_DATAGRAM_IPV4);
    const burst = 8;
    const received = firstN(b.datagrams, burst);
    // All sends happen before this process reads anything, so all eight sit in b's kernel buffer.
    await firstValueFrom(
      merge(...Array.from({ length: burst }, (_, i) => a.send(pattern(MAX_DATAGRAM_IPV4, i), b.local))),
    );
    const got = await received;
    expect(got.map((d) => d.data.byteLength)).toEqual(Array(burst).fill(MAX_DATAGRAM_IPV4));
    for (const [i, d] of got.entries()) expectBytes(d.data, pattern(MAX_DATAGRAM_IPV4, i));
  });

  it('refuses a datagram one byte over the limit before sending it (DATAGRAM_TOO_LARGE)', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    const err = await errorOf(a.send(new Uint8Array(MAX_DATAGRAM_IPV4 + 1), b.local));
    expect(isPortaError(err, 'DATAGRAM_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toContain('65508');
    expect(a.stats.sent).toBe(0);

    const { value: v6 } = await open(bindUdp({ address: '::1' }));
    const err6 = await errorOf(v6.send(new Uint8Array(MAX_DATAGRAM_IPV6 + 1), { address: '::1', port: 9 }));
    expect(isPortaError(err6, 'DATAGRAM_TOO_LARGE')).toBe(true);
    expect((err6 as Error).message).toContain('65527');
  });

  it('multicasts datagrams to every subscriber and counts those nobody hears as dropped', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    await first(a.send(ascii('unheard'), b.local));
    await until(() => b.stats.received === 1);
    const one = first(b.datagrams);
    const two = first(b.datagrams);
    await first(a.send(ascii('heard'), b.local));
    expect(new TextDecoder().decode((await one).data)).toBe('heard');
    expect(new TextDecoder().decode((await two).data)).toBe('heard');
    expect(b.stats).toMatchObject({ received: 2, dropped: 1 });
  });

  it('refuses a bad destination or payload before sending', async () => {
    const { value: a } = await open(bindUdp());
    const { value: b } = await open(bindUdp());
    expect(((await errorOf(a.send(ascii('x'), { address: '::1', port: 9 }))) as Error).message).toMatch(
      /IPv6/,
    );
    expect(isPortaError(await errorOf(a.send(ascii('x'), { address: '127.0.0.1', port: 0 })))).toBe(true);
    expect(isPortaError(await errorOf(a.send(ascii('x'), { address: 'localhost', port: 9 })))).toBe(true);
    const missing = undefined as unknown as UdpDestination;
    expect(isPortaError(await errorOf(a.send(ascii('x'), missing)), 'INVALID_ARGUMENT')).toBe(true);
    const notBytes = 'text' as unknown as Uint8Array;
    expect(isPortaError(await errorOf(a.send(notBytes, b.local)), 'INVALID_ARGUMENT')).toBe(true);
    expect(a.stats.sent).toBe(0);
  });

  describe('refuses bad arguments before any socket exists (INVALID_ARGUMENT)', () => {
    const cases: [string, Parameters<typeof bindUdp>[0]][] = [
      ['port -1', { port: -1 }],
      ['port 65536', { port: 65536 }],
      ['port 1.5', { port: 1.5 }],
      ['port NaN', { port: Number.NaN }],
      ['address 256.0.0.1', { address: '256.0.0.1' }],
      ['address 1.2.3', { address: '1.2.3' }],
      ['a dotted number that is no address', { address: '1.2.3.4.5' }],
      ['a name with a space', { address: 'local host' }],
      ['address ::::', { address: '::::' }],
      ['address 1::2::3', { address: '1::2::3' }],
      ['an empty address', { address: '' }],
      ['an empty zone', { address: 'fe80::1%' }],
      ['a family that contradicts the address', { address: '127.0.0.1', family: 'IPv6' }],
      ['ipv6Only on IPv4', { ipv6Only: true }],
      ['a receive buffer too small for one datagram', { recvBufferSize: 1024 }],
    ];
    it.each(cases)('%s', (_, options) => {
      const before = udpHandles();
      let error: unknown;
      // Synchronous on purpose: a bind failure would arrive later, from the OS, on a real socket.
      bindUdp(options)
        .subscribe({ error: (err: unknown) => (error = err) })
        .unsubscribe();
      expect(isPortaError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect(udpHandles()).toBe(before);
    });
  });

  it('reports a busy port as ADDRESS_IN_USE naming the port', async () => {
    const { value: a } = await open(bindUdp());
    const err = await errorOf(bindUdp({ port: a.local.port }));
    expect(isPortaError(err, 'ADDRESS_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(String(a.local.port));
  });

  it('reports an address that is not on this machine as ADDRESS_NOT_AVAILABLE', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host.
    const err = await errorOf(bindUdp({ address: '192.0.2.1' }));
    expect(isPortaError(err, 'ADDRESS_NOT_AVAILABLE')).toBe(true);
    expect((err as Error).message).toContain('192.0.2.1');
  });

  it('closes cleanly when unsubscribed while binding', () => {
    let emitted = false;
    const subscription = bindUdp().subscribe(() => (emitted = true));
    expect(udpHandles()).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(emitted).toBe(false);
    // trackHandles() asserts the handle is gone after the test.
  });

  it('closes cleanly when unsubscribed mid-transfer, completing datagrams and failing later sends', async () => {
    const { value: a } = await open(bindUdp());
    const server = await open(bindUdp());
    const b = server.value;
    let completed = false;
    let seen = 0;
    b.datagrams.subscribe({ next: () => seen++, complete: () => (completed = true) });
    const flood = merge(...Array.from({ length: 200 }, (_, i) => a.send(pattern(1024, i), b.local)));
    const pending = firstValueFrom(flood.pipe(toArray()));
    await first(b.datagrams);
    server.close();
    expect(completed).toBe(true);
    await pending;
    expect(seen).toBeGreaterThan(0);
    expect(isPortaError(await errorOf(b.send(ascii('late'), a.local)), 'SOCKET_CLOSED')).toBe(true);
  });
});
