import net from 'node:net';
import { type Behaviour, isPortaError, type ServerEvent, serve } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import { requester } from '@porta/reliability';
import { connectTcp, listenTcp, openTcpConnection, openTcpListener, type TcpConnection } from '@porta/tcp';
import { bindUdp, connectUdp, openUdpSocket, udpTransport } from '@porta/udp';
import { firstValueFrom, type Observable, Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

trackHandles();

// One per test: a Subscription once unsubscribed closes whatever is added to it later.
let subs = new Subscription();
afterEach(() => {
  subs.unsubscribe();
  subs = new Subscription();
});

/** Subscribes, keeping the subscription, and resolves with the first value. */
function first<T>(source: Observable<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    subs.add(source.subscribe({ next: resolve, error: reject }));
  });
}

/** Resolves with the error `source` ends with; fails the test if it completes instead. */
function errorOf(source: Observable<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    subs.add(source.subscribe({ error: resolve, complete: () => reject(new Error('completed')) }));
  });
}

/** The shape of Node's own AbortError, which porta's must have too. */
function expectAbortError(err: unknown, reason?: unknown): void {
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).name).toBe('AbortError');
  expect((err as { code?: unknown }).code).toBe('ABORT_ERR');
  expect(isPortaError(err, 'ABORT_ERR')).toBe(true);
  if (reason !== undefined) expect((err as Error).cause).toBe(reason);
}

describe('signal: an already aborted signal opens nothing', () => {
  it.each([
    ['bindUdp', (signal: AbortSignal) => bindUdp({ port: 0, signal })],
    ['connectUdp', (signal: AbortSignal) => connectUdp({ address: '127.0.0.1', port: 9 }, { signal })],
    ['listenTcp', (signal: AbortSignal) => listenTcp({ port: 0, signal })],
    ['connectTcp', (signal: AbortSignal) => connectTcp({ host: '127.0.0.1', port: 9, signal })],
  ])('%s errors with AbortError carrying the reason, and no socket is made', async (_name, open) => {
    const before = countResources();
    const reason = new Error('not needed any more');
    const err = await errorOf(open(AbortSignal.abort(reason)));
    expectAbortError(err, reason);
    expect(countResources()).toEqual(before);
  });

  it('serve never opens its transport', async () => {
    const before = countResources();
    const err = await errorOf(
      serve(udpTransport({ port: 0 }), (peer) => peer.messages, { signal: AbortSignal.abort() }),
    );
    expectAbortError(err);
    expect(countResources()).toEqual(before);
  });

  it('a promise form rejects with the same AbortError', async () => {
    await expect(openUdpSocket({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
      code: 'ABORT_ERR',
    });
  });

  it('something that is not an AbortSignal is INVALID_ARGUMENT, before any socket', async () => {
    const err = await errorOf(bindUdp({ signal: {} as AbortSignal }));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain('AbortSignal');
  });
});

describe('signal: aborting an open socket ends it', () => {
  it('bindUdp: the Observable and the datagrams stream fail with AbortError, and the socket closes', async () => {
    const controller = new AbortController();
    const outer: unknown[] = [];
    const socket = await new Promise<import('@porta/udp').UdpSocket>((resolve) => {
      subs.add(
        bindUdp({ port: 0, signal: controller.signal }).subscribe({
          next: resolve,
          error: (e) => outer.push(e),
        }),
      );
    });
    const inbound = errorOf(socket.datagrams);
    expect(countResources().get('UDPWrap')).toBeGreaterThan(0);
    controller.abort();
    expectAbortError(await inbound);
    expect(outer).toHaveLength(1);
    expectAbortError(outer[0]);
    await expect.poll(() => countResources().get('UDPWrap') ?? 0).toBe(0);
  });

  it('connectTcp: the open connection fails with AbortError (its bytes error) and the server sees its end', async () => {
    const listener = await first(listenTcp({ port: 0 }));
    const accepted = first(listener.connections);
    const controller = new AbortController();
    const errors: unknown[] = [];
    const conn = await new Promise<TcpConnection>((resolve) => {
      subs.add(
        connectTcp(
          { address: '127.0.0.1', port: listener.local.port },
          { signal: controller.signal },
        ).subscribe({
          next: resolve,
          error: (e) => errors.push(e),
        }),
      );
    });
    const server = await accepted;
    // A connection reads only while someone reads its bytes: read, to see the client's end.
    const serverSawEnd = new Promise<void>((resolve) =>
      server.bytes.subscribe({ complete: () => resolve(), error: () => resolve() }),
    );
    const bytes = errorOf(conn.bytes);
    controller.abort();
    expectAbortError(await bytes);
    expect(errors).toHaveLength(1);
    expectAbortError(errors[0]);
    await firstValueFrom(conn.closed);
    await serverSawEnd;
  });

  it('connectTcp: aborting mid-handshake destroys the half-made socket', async () => {
    // A TCP server that never answers a TLS ClientHello: the TLS connect stays in its handshake.
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => {
      s.on('error', () => {});
      held.push(s);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const controller = new AbortController();
      const failed = errorOf(
        connectTcp({
          host: '127.0.0.1',
          port,
          tls: { rejectUnauthorized: false },
          signal: controller.signal,
        }),
      );
      await expect.poll(() => held.length).toBe(1);
      const withClient = countResources().get('TCPSocketWrap') ?? 0;
      controller.abort(new Error('user pressed cancel'));
      const err = await failed;
      expectAbortError(err);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).toContain('user pressed cancel');
      // Only the server's end is left once the client's half-made socket is gone.
      await expect.poll(() => countResources().get('TCPSocketWrap') ?? 0).toBe(withClient - 1);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('listenTcp: aborting closes the listener and its connections; the Observable errors with AbortError', async () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    const listener = await new Promise<import('@porta/tcp').TcpListener>((resolve) => {
      subs.add(
        listenTcp({ port: 0, signal: controller.signal }).subscribe({
          next: resolve,
          error: (e) => errors.push(e),
        }),
      );
    });
    const accepted = first(listener.connections);
    const client = await first(connectTcp({ host: '127.0.0.1', port: listener.local.port }));
    await accepted;
    const clientEnd = new Promise<void>((resolve) =>
      client.bytes.subscribe({ complete: () => resolve(), error: () => resolve() }),
    );
    controller.abort();
    expect(errors).toHaveLength(1);
    expectAbortError(errors[0]);
    await clientEnd; // the accepted connection was closed, so the client saw its end
    await expect.poll(() => countResources().get('TCPServerWrap') ?? 0).toBe(0);
  });

  it('openTcpListener + signal: the promised listener closes on abort', async () => {
    const controller = new AbortController();
    const listener = await openTcpListener({ port: 0, signal: controller.signal });
    expect(countResources().get('TCPServerWrap')).toBe(1);
    controller.abort();
    await expect.poll(() => countResources().get('TCPServerWrap') ?? 0).toBe(0);
    await expect(openTcpConnection({ host: '127.0.0.1', port: listener.local.port })).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
  });

  it('serve: aborting stops the server, closing its socket, and the event stream errors with AbortError', async () => {
    const controller = new AbortController();
    const echo: Behaviour = (peer) => peer.messages;
    const events: ServerEvent[] = [];
    const ended = new Promise<unknown>((resolve) => {
      subs.add(
        serve(udpTransport({ port: 0 }), echo, { signal: controller.signal }).subscribe({
          next: (e) => events.push(e),
          error: resolve,
        }),
      );
    });
    await expect.poll(() => events.some((e) => e.type === 'listening')).toBe(true);
    controller.abort();
    expectAbortError(await ended);
    await expect.poll(() => countResources().get('UDPWrap') ?? 0).toBe(0);
  });

  it('requester: aborting a request stops its retransmissions and errors it with AbortError', async () => {
    const silent = await first(bindUdp({ port: 0 })); // receives, never answers
    const seen: number[] = [];
    subs.add(silent.datagrams.subscribe(() => seen.push(Date.now())));
    const client = await first(bindUdp({ port: 0 }));
    const controller = new AbortController();
    const failed = errorOf(
      requester(client).request(
        Uint8Array.of(1, 2, 3),
        { address: '127.0.0.1', port: silent.local.port },
        { signal: controller.signal },
      ),
    );
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(1);
    controller.abort();
    expectAbortError(await failed);
    const sentAtAbort = client.stats.sent;
    await new Promise((r) => setTimeout(r, 400)); // past the next backoff waits (0.1 s, 0.2 s)
    expect(client.stats.sent).toBe(sentAtAbort);
  });
});
