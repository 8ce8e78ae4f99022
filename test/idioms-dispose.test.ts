import { type Behaviour, isPortaError, startServer } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { connectTcp, listenTcp, openTcpConnection, openTcpListener, tcpTransport } from '@porta/tcp';
import { bindUdp, connectUdp, openConnectedUdpSocket, openUdpSocket, udpTransport } from '@porta/udp';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

trackHandles();

const count = (type: string) => countResources().get(type) ?? 0;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('await using: leaving the block closes the handle, and the handle is gone when it resolves', () => {
  it('a TCP connection and a listener', async () => {
    const baseline = { tcp: count('TCPSocketWrap'), server: count('TCPServerWrap') };
    {
      await using listener = await openTcpListener({ port: 0 });
      expect(count('TCPServerWrap')).toBe(baseline.server + 1);
      {
        await using conn = await openTcpConnection({ host: '127.0.0.1', port: listener.local.port });
        expect(conn.isClosed).toBe(false);
        await expect.poll(() => listener.stats.accepted).toBe(1);
        expect(count('TCPSocketWrap')).toBe(baseline.tcp + 2); // both ends
      }
      // The client's socket is released; the server's end is closed by the listener below.
      expect(count('TCPSocketWrap')).toBe(baseline.tcp + 1);
    }
    expect(count('TCPServerWrap')).toBe(baseline.server);
    expect(count('TCPSocketWrap')).toBe(baseline.tcp);
  });

  it('a listener disposed with a connection still open closes that connection too', async () => {
    const listener = await openTcpListener({ port: 0 });
    const client = await openTcpConnection({ address: '127.0.0.1', port: listener.local.port });
    const clientEnded = new Promise<void>((resolve) =>
      client.bytes.subscribe({ complete: () => resolve(), error: () => resolve() }),
    );
    await expect.poll(() => listener.stats.open).toBe(1);
    await listener[Symbol.asyncDispose]();
    expect(listener.stats.open).toBe(0);
    await clientEnded;
    await client[Symbol.asyncDispose]();
    expect(client.isClosed).toBe(true);
  });

  it('a bound and a connected UDP socket', async () => {
    const baseline = count('UDPWrap');
    {
      await using server = await openUdpSocket({ port: 0 });
      await using client = await openConnectedUdpSocket(server.local);
      expect(count('UDPWrap')).toBe(baseline + 2);
      expect(client.remote.port).toBe(server.local.port);
    }
    expect(count('UDPWrap')).toBe(baseline);
  });

  it('a server started with startServer, over UDP and over TCP', async () => {
    const echo: Behaviour = (peer) => peer.messages;
    const baseline = { udp: count('UDPWrap'), server: count('TCPServerWrap') };
    {
      await using udp = await startServer(udpTransport({ port: 0 }), echo);
      await using tcp = await startServer(tcpTransport({ port: 0 }), echo);
      expect(udp.transport).toBe('udp');
      expect(tcp.local.port).toBeGreaterThan(0);
      expect(count('UDPWrap')).toBe(baseline.udp + 1);
      expect(count('TCPServerWrap')).toBe(baseline.server + 1);
    }
    expect(count('UDPWrap')).toBe(baseline.udp);
    expect(count('TCPServerWrap')).toBe(baseline.server);
  });

  it('disposing twice is harmless, and close() on a socket completes the Observable that opened it', async () => {
    let completed = false;
    const socket = await new Promise<import('@porta/udp').UdpSocket>((resolve) => {
      bindUdp({ port: 0 }).subscribe({ next: resolve, complete: () => (completed = true) });
    });
    await socket.close();
    expect(completed).toBe(true);
    await socket[Symbol.asyncDispose]();
    const err = await lastValueFrom(socket.send(bytes('x'), socket.local)).catch((e: unknown) => e);
    expect(isPortaError(err, 'SOCKET_CLOSED')).toBe(true);
    expect((err as Error).message).toContain('close() was called');
  });
});

describe('promise forms: the handle lives as long as the handle, not the promise', () => {
  it('openTcpConnection gives a connection that can still talk after the promise settled', async () => {
    await using listener = await openTcpListener({ port: 0 });
    void (async () => {
      for await (const conn of listener) {
        for await (const chunk of conn) await lastValueFrom(conn.send(chunk));
      }
    })();
    await using conn = await openTcpConnection({ host: '127.0.0.1', port: listener.local.port });
    const reply = firstValueFrom(conn.bytes);
    await lastValueFrom(conn.send(bytes('still open')));
    expect(text(await reply)).toBe('still open');
  });

  it("the README's snippet without RxJS operators runs as written (on port 0, against an echo that ends)", async () => {
    await using listener = await openTcpListener({ port: 0 });
    void (async () => {
      for await (const peer of listener) {
        for await (const chunk of peer) await lastValueFrom(peer.send(chunk));
      }
    })();
    const printed: string[] = [];
    const log = (s: string) => printed.push(s);
    {
      await using conn = await openTcpConnection({
        host: '127.0.0.1',
        port: listener.local.port,
        signal: AbortSignal.timeout(5_000),
      });
      await lastValueFrom(conn.send(new TextEncoder().encode('hello')));
      for await (const chunk of conn) {
        log(new TextDecoder().decode(chunk));
        break; // the README's server would end; this echo does not
      }
    }
    expect(printed).toEqual(['hello']);
  });

  it('firstValueFrom(connectTcp(…)) hands back a closing connection, and the SOCKET_CLOSED says why', async () => {
    await using listener = await openTcpListener({ port: 0 });
    const conn = await firstValueFrom(connectTcp({ host: '127.0.0.1', port: listener.local.port }));
    const err = await lastValueFrom(conn.send(bytes('too late'))).catch((e: unknown) => e);
    expect(isPortaError(err, 'SOCKET_CLOSED')).toBe(true);
    expect((err as Error).message).toContain('its connectTcp subscription ended');
    expect((err as Error).message).toContain('openTcpConnection');
  });

  it('firstValueFrom(bindUdp(…)) and (connectUdp(…)) say the same for a UDP send', async () => {
    const bound = await firstValueFrom(bindUdp({ port: 0 }));
    const err = await lastValueFrom(bound.send(bytes('x'), { address: '127.0.0.1', port: 9 })).catch(
      (e: unknown) => e,
    );
    expect(isPortaError(err, 'SOCKET_CLOSED')).toBe(true);
    expect((err as Error).message).toContain('its bindUdp subscription ended');
    expect((err as Error).message).toContain('openUdpSocket');

    const connected = await firstValueFrom(connectUdp({ address: '127.0.0.1', port: 9 }));
    const err2 = await lastValueFrom(connected.send(bytes('x'))).catch((e: unknown) => e);
    expect((err2 as Error).message).toContain('its connectUdp subscription ended');
    expect((err2 as Error).message).toContain('openConnectedUdpSocket');
  });

  it('a promise form rejects with the typed error when opening fails', async () => {
    const busy = await openTcpListener({ port: 0 });
    try {
      await expect(openTcpListener({ port: busy.local.port })).rejects.toMatchObject({
        code: 'ADDRESS_IN_USE',
      });
    } finally {
      await busy.close();
    }
    await expect(openTcpConnection({ host: '127.0.0.1', port: busy.local.port })).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
    const taken = await openUdpSocket({ port: 0 });
    try {
      await expect(openUdpSocket({ port: taken.local.port })).rejects.toMatchObject({
        code: 'ADDRESS_IN_USE',
      });
    } finally {
      await taken.close();
    }
  });

  it('the listenTcp Observable completes when its listener is closed', async () => {
    let completed = false;
    const listener = await new Promise<import('@porta/tcp').TcpListener>((resolve) => {
      listenTcp({ port: 0 }).subscribe({ next: resolve, complete: () => (completed = true) });
    });
    await listener.close();
    expect(completed).toBe(true);
    expect(count('TCPServerWrap')).toBe(0);
  });
});
