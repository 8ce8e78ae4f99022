import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { openTcpConnection, openTcpListener, type TcpConnection, toDuplex } from '../src/index.js';

trackHandles();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tcpPair() {
  const listener = await openTcpListener({ port: 0 });
  const accepted = listener[Symbol.asyncIterator]().next();
  const client = await openTcpConnection(listener.local);
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

function pattern(n: number, offset: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (offset + i) % 251;
  return out;
}

/** A Writable that checks the pattern and counts bytes. */
function checker() {
  const state = { bytes: 0, inOrder: true };
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (state.bytes + i) % 251) state.inOrder = false;
      state.bytes += chunk.length;
      cb();
    },
  });
  return { sink, state };
}

describe('toDuplex', () => {
  it('stream.pipeline through an echo server: every byte comes back in order, and the connection closes after both ends', async () => {
    await using pair = await tcpPair();
    const echo = (async () => {
      for await (const chunk of pair.server) await lastValueFrom(pair.server.send(chunk));
      pair.server.end();
    })();
    const total = 4 * 1024 * 1024;
    const source = Readable.from(
      (function* () {
        for (let sent = 0; sent < total; sent += 32 * 1024) yield pattern(32 * 1024, sent);
      })(),
    );
    const { sink, state } = checker();
    const duplex = toDuplex(pair.client);
    await Promise.all([pipeline(source, duplex), pipeline(duplex, sink)]);
    await echo;
    expect(state.bytes).toBe(total);
    expect(state.inOrder).toBe(true);
    await firstValueFrom(pair.client.closed); // both sides ended: the socket closed itself
  });

  it('writing to a peer that does not read: pipeline waits, memory stays bounded', async () => {
    await using pair = await tcpPair();
    pair.server.pause(); // the peer reads nothing: its kernel window fills
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled += 64 * 1024;
          yield Buffer.alloc(64 * 1024);
        }
      })(),
    );
    const duplex = toDuplex(pair.client);
    const running = pipeline(endless, duplex).catch((e: unknown) => e);
    await sleep(300);
    const atRest = pulled;
    await sleep(200);
    // Only the kernel's buffers and a few stream buffers' worth were taken from the source, and it
    // has stopped: the writes' callbacks wait for the socket.
    expect(atRest).toBeLessThan(64 * 1024 * 1024);
    expect(pulled).toBe(atRest);
    expect(pair.client.stats.pendingWriteBytes).toBeLessThan(1024 * 1024);
    duplex.destroy();
    await running;
    await firstValueFrom(pair.client.closed);
  });

  it('reading nothing from the Duplex pauses the socket', async () => {
    await using pair = await tcpPair();
    const total = 8 * 1024 * 1024;
    const sending = lastValueFrom(
      pair.server.sendAll(
        (function* () {
          for (let sent = 0; sent < total; sent += 64 * 1024) yield pattern(64 * 1024, sent);
        })(),
      ),
    ).then(() => pair.server.end());
    const duplex = toDuplex(pair.client);
    duplex.read(0); // start reading, then consume nothing
    await sleep(300);
    expect(pair.client.stats.bytesRead).toBeLessThan(1024 * 1024);
    const { sink, state } = checker();
    await pipeline(duplex, sink);
    await sending;
    expect(state.bytes).toBe(total);
    expect(state.inOrder).toBe(true);
  });

  it('a reset by the peer destroys the Duplex with CONNECTION_RESET', async () => {
    await using pair = await tcpPair();
    const duplex = toDuplex(pair.client);
    const failed = new Promise<unknown>((resolve) => duplex.on('error', resolve));
    duplex.resume();
    await sleep(20);
    pair.server.reset();
    expect(isPortaError(await failed, 'CONNECTION_RESET')).toBe(true);
    await firstValueFrom(pair.client.closed);
  });

  it('end() half-closes: the peer sees the FIN and can still answer', async () => {
    await using pair = await tcpPair();
    const duplex = toDuplex(pair.client);
    const received: Buffer[] = [];
    duplex.on('data', (c: Buffer) => received.push(c));
    const ended = new Promise<void>((resolve) => duplex.on('end', resolve));
    duplex.end(Buffer.from('question'));
    const asked: number[] = [];
    for await (const chunk of pair.server) asked.push(...chunk); // ends at the client's FIN
    expect(Buffer.from(asked).toString()).toBe('question');
    await lastValueFrom(pair.server.send(Buffer.from('answer')));
    pair.server.end();
    await ended;
    expect(Buffer.concat(received).toString()).toBe('answer');
  });

  it('destroying the Duplex closes the connection', async () => {
    await using pair = await tcpPair();
    const duplex = toDuplex(pair.client);
    duplex.destroy();
    await firstValueFrom(pair.client.closed);
    expect(pair.client.isClosed).toBe(true);
  });
});
