import { type Endpoint, isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { PeerLink } from '@porta/core/transport';
import { bindUdp, type UdpDestination, type UdpSocket, udpTransport } from '@porta/udp';
import { describe, expect, it } from 'vitest';
import { ascii, errorOf, expectBytes, first, opener, until } from './helpers.js';

trackHandles();
const open = opener();

/** Sends with `sendDirect` and records what its observer is told, in order. */
function sendDirect(socket: UdpSocket, data: Uint8Array, to: UdpDestination) {
  const told: unknown[] = [];
  socket.sendDirect(data, to, {
    next: () => told.push('next'),
    error: (e: unknown) => told.push(e),
    complete: () => told.push('complete'),
  });
  return told;
}

/** The code of the one error `told` holds, for comparison with `send()`'s. */
function codeOf(told: readonly unknown[]): string | undefined {
  const [error] = told;
  return told.length === 1 && isPortaError(error) ? error.code : undefined;
}

describe("bindUdp's sendDirect", () => {
  it('delivers the datagram, tells next then complete once the OS has it, and counts it as send() does', async () => {
    const { value: target } = await open(bindUdp());
    const { value: sender } = await open(bindUdp());
    const received = first(target.datagrams);
    const told = sendDirect(sender, ascii('direct'), target.local);
    await until(() => told.length === 2);
    expect(told).toEqual(['next', 'complete']);
    const datagram = await received;
    expectBytes(datagram.data, ascii('direct'));
    expect(datagram.remote.port).toBe(sender.local.port);
    expect(sender.stats).toMatchObject({ sent: 1, bytesSent: 6 });
  });

  it('fails with the errors send() fails with: DATAGRAM_TOO_LARGE, INVALID_ARGUMENT, SOCKET_CLOSED', async () => {
    const { value: target } = await open(bindUdp());
    const sender = await open(bindUdp());
    const s = sender.value;
    const tooLarge = new Uint8Array(s.maxDatagramSize + 1);
    const badPort = { address: '127.0.0.1', port: 0 };
    const ipv6 = { address: '::1', port: 9 };
    const cases: [Uint8Array, UdpDestination][] = [
      [tooLarge, target.local],
      [ascii('x'), badPort],
      [ascii('x'), ipv6],
    ];
    for (const [data, to] of cases) {
      const told = sendDirect(s, data, to);
      const viaSend = await errorOf(s.send(data, to));
      expect(codeOf(told)).toBe(isPortaError(viaSend) ? viaSend.code : 'not a PortaError');
    }
    expect(codeOf(sendDirect(s, tooLarge, target.local))).toBe('DATAGRAM_TOO_LARGE');
    expect(codeOf(sendDirect(s, ascii('x'), badPort))).toBe('INVALID_ARGUMENT');
    sender.close();
    expect(codeOf(sendDirect(s, ascii('late'), target.local))).toBe('SOCKET_CLOSED');
    expect(s.stats.sent).toBe(0);
  });
});

describe("udpTransport's peer links", () => {
  it('reply with sendDirect (no Observable per reply), and the reply reaches the peer', async () => {
    const links: PeerLink[] = [];
    let local: Endpoint | undefined;
    const server = udpTransport({ port: 0 })
      .open()
      .subscribe((event) => {
        if (event.type === 'listening') local = event.local;
        if (event.type === 'peer') links.push(event.link);
      });
    try {
      await until(() => local !== undefined);
      const { value: client } = await open(bindUdp());
      const reply = first(client.datagrams);
      client.send(ascii('ping'), local as Endpoint).subscribe();
      await until(() => links.length === 1);
      const link = links[0] as PeerLink;
      expect(link.sendDirect).toBeTypeOf('function');
      const told: unknown[] = [];
      link.sendDirect?.(ascii('pong'), {
        next: () => told.push('next'),
        error: (e: unknown) => told.push(e),
        complete: () => told.push('complete'),
      });
      expectBytes((await reply).data, ascii('pong'));
      await until(() => told.length === 2);
      expect(told).toEqual(['next', 'complete']);
    } finally {
      server.unsubscribe();
    }
  });
});
