import { isPortaError, toAsyncIterable } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { openTcpConnection, openTcpListener, type TcpConnection } from '@porta/tcp';
import { openConnectedUdpSocket, openUdpSocket } from '@porta/udp';
import { concat, lastValueFrom, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

trackHandles();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A listener and one connection to it, both ends, closed by `await using`. */
async function tcpPair() {
  const listener = await openTcpListener({ port: 0 });
  const accepted = listener[Symbol.asyncIterator]().next();
  const client = await openTcpConnection({ host: '127.0.0.1', port: listener.local.port });
  const server = (await accepted).value as TcpConnection;
  return {
    client,
    server,
    async [Symbol.asyncDispose]() {
      await client[Symbol.asyncDispose]();
      await listener[Symbol.asyncDispose]();
    },
  };
}

/** `n` bytes where byte i is i mod 251, so order and completeness can be checked. */
function pattern(n: number, offset = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (offset + i) % 251;
  return out;
}

describe('for await over a TcpConnection', () => {
  it('pauses the socket while the loop body runs: a slow body holds the peer back, and every byte arrives in order', async () => {
    await using pair = await tcpPair();
    const total = 8 * 1024 * 1024;
    const frames = function* () {
      for (let sent = 0; sent < total; sent += 64 * 1024) yield pattern(64 * 1024, sent);
    };
    const sending = lastValueFrom(pair.server.sendAll(frames())).then(() => pair.server.end());
    let received = 0;
    let inOrder = true;
    let growthWhileBodyRan = -1;
    for await (const chunk of pair.client) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (received + i) % 251) inOrder = false;
      received += chunk.length;
      if (growthWhileBodyRan < 0) {
        // The first turn takes 300 ms: the socket is paused, so the kernel holds the rest.
        const before = pair.client.stats.bytesRead;
        await sleep(300);
        growthWhileBodyRan = pair.client.stats.bytesRead - before;
      }
    }
    await sending;
    expect(received).toBe(total);
    expect(inOrder).toBe(true);
    // Node may read one more buffer's worth into the paused stream; nothing like the 8 MiB sent.
    expect(growthWhileBodyRan).toBeLessThan(512 * 1024);
    expect(pair.client.stats.pauses).toBeGreaterThan(0);
    expect(pair.client.stats.peakQueuedBytes).toBeLessThan(512 * 1024);
  });

  it('break stops reading and leaves the connection open; a later loop goes on from there', async () => {
    await using pair = await tcpPair();
    await lastValueFrom(pair.server.send(pattern(10)));
    for await (const chunk of pair.client) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(pair.client.isClosed).toBe(false);
    await lastValueFrom(pair.server.send(Uint8Array.of(250)));
    pair.server.end();
    const rest: number[] = [];
    for await (const chunk of pair.client) rest.push(...chunk);
    expect(rest.at(-1)).toBe(250);
  });

  it('a reset by the peer is thrown from the loop as CONNECTION_RESET', async () => {
    await using pair = await tcpPair();
    const loop = (async () => {
      for await (const _ of pair.client) {
        // nothing arrives before the reset
      }
    })();
    await sleep(20);
    pair.server.reset();
    const err = await loop.catch((e: unknown) => e);
    expect(isPortaError(err, 'CONNECTION_RESET')).toBe(true);
  });

  it('chunks() checks its water marks at once', async () => {
    await using pair = await tcpPair();
    expect(() => pair.client.chunks({ highWaterMark: 0 })).toThrow(/highWaterMark/);
  });
});

describe('for await over a TcpListener', () => {
  it('yields connections in order, keeps those accepted while the body runs, and ends when the listener closes', async () => {
    const listener = await openTcpListener({ port: 0 });
    const clients = await Promise.all(
      [1, 2, 3].map(() => openTcpConnection({ host: '127.0.0.1', port: listener.local.port })),
    );
    const remotes: number[] = [];
    const loop = (async () => {
      for await (const conn of listener) {
        remotes.push(conn.remote.port);
        await sleep(30); // the other connections wait in the listener's queue meanwhile
        if (remotes.length === 3) void listener.close();
      }
    })();
    await loop;
    expect(remotes.sort()).toEqual(clients.map((c) => c.local.port).sort());
    for (const c of clients) await c[Symbol.asyncDispose]();
  });
});

describe('for await over UDP sockets', () => {
  it('a bound socket yields each datagram with its sender', async () => {
    await using server = await openUdpSocket({ port: 0 });
    await using client = await openConnectedUdpSocket(server.local);
    const got: string[] = [];
    const loop = (async () => {
      for await (const { data, remote } of server) {
        expect(remote.port).toBe(client.local.port);
        got.push(new TextDecoder().decode(data));
        if (got.length === 3) break;
      }
    })();
    for (const word of ['um', 'dois', 'tres'])
      await lastValueFrom(client.send(new TextEncoder().encode(word)));
    await loop;
    expect(got).toEqual(['um', 'dois', 'tres']);
  });

  it('a connected socket yields the replies; listening starts when the iterator is made, before the request', async () => {
    await using server = await openUdpSocket({ port: 0 });
    const echo = (async () => {
      for await (const { data, remote } of server) {
        await lastValueFrom(server.send(data, remote));
        break;
      }
    })();
    await using client = await openConnectedUdpSocket(server.local);
    const replies = client[Symbol.asyncIterator]();
    await lastValueFrom(client.send(Uint8Array.of(7, 7)));
    const { value } = await replies.next();
    expect([...(value ?? [])]).toEqual([7, 7]);
    await replies.return?.();
    await echo;
  });

  it('a slow loop body overflows the bounded queue: the drops are counted, the rest arrive in order', async () => {
    await using server = await openUdpSocket({ port: 0, recvBufferSize: 4 * 1024 * 1024 });
    await using client = await openConnectedUdpSocket(server.local, { sendBufferSize: 4 * 1024 * 1024 });
    const sent = 1_500;
    const delivered: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const iterator = server[Symbol.asyncIterator]();
    const loop = (async () => {
      for await (const { data } of { [Symbol.asyncIterator]: () => iterator }) {
        delivered.push(new DataView(data.buffer, data.byteOffset).getUint16(0));
        if (delivered.length === 1) await gate; // the body stalls while the burst arrives
      }
    })();
    for (let i = 0; i < sent; i++) {
      const b = new Uint8Array(2);
      new DataView(b.buffer).setUint16(0, i);
      await lastValueFrom(client.send(b));
    }
    // All of the burst arrives while the body is stalled: 1 in the body, 1,024 queued, the rest dropped.
    await expect.poll(() => server.stats.received).toBe(sent);
    release();
    // Every datagram the socket received is either delivered to the loop or counted as dropped.
    await expect
      .poll(() => {
        const { received, queueDropped } = server.stats;
        return received === sent && delivered.length + queueDropped === received;
      })
      .toBe(true);
    await iterator.return?.();
    await loop;
    const { received, queueDropped } = server.stats;
    expect(queueDropped).toBeGreaterThan(0);
    expect(delivered.length).toBe(1 + 1024);
    expect(delivered.length + queueDropped).toBe(received);
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
  });
});

describe('toAsyncIterable', () => {
  it('throws the source error after the values queued before it', async () => {
    const seen: number[] = [];
    const iterable = toAsyncIterable(
      concat(
        of(1, 2),
        throwError(() => new Error('boom')),
      ),
    );
    const err = await (async () => {
      for await (const v of iterable) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect((err as Error).message).toBe('boom');
  });

  it('drops the newest beyond capacity and reports each drop', async () => {
    const source = new Subject<number>();
    const dropped: number[] = [];
    const iterator = toAsyncIterable(source, { capacity: 2, onDrop: (v) => dropped.push(v) });
    for (const v of [1, 2, 3, 4]) source.next(v);
    source.complete();
    const got: number[] = [];
    for await (const v of iterator) got.push(v);
    expect(got).toEqual([1, 2]);
    expect(dropped).toEqual([3, 4]);
  });

  it('return() unsubscribes the source', async () => {
    const source = new Subject<number>();
    const iterator = toAsyncIterable(source);
    expect(source.observed).toBe(true);
    await iterator.return?.();
    expect(source.observed).toBe(false);
  });

  it('refuses a capacity that is not an integer ≥ 1', () => {
    expect(() => toAsyncIterable(of(1), { capacity: 0 })).toThrow(/capacity/);
  });
});
