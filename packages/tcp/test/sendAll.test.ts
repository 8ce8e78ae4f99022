import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { from, lastValueFrom, map, range } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, connectedPair, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const MiB = 1024 * 1024;
const FRAME = new Uint8Array(64 * 1024).fill(7);

describe('sendAll', () => {
  it('sends frames from an iterable in order, completing once everything is written', async () => {
    const { server, client, subs } = await connectedPair();
    const atServer = collect(server.bytes);
    const frames = Array.from({ length: 100 }, (_, i) => Uint8Array.of(i, i));
    const results: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      client.sendAll(frames).subscribe({ next: (v) => results.push(v), error: reject, complete: resolve }),
    );
    expect(results).toEqual([undefined]);
    client.end();
    expect([...(await atServer)]).toEqual(frames.flatMap((f) => [...f]));
    subs.unsubscribe();
  });

  it('sends frames from an Observable and an AsyncIterable', async () => {
    const { server, client, subs } = await connectedPair();
    const atServer = collect(server.bytes);
    await lastValueFrom(client.sendAll(range(0, 10).pipe(map((i) => Uint8Array.of(i)))));
    async function* more() {
      for (let i = 10; i < 20; i++) yield Uint8Array.of(i);
    }
    await lastValueFrom(client.sendAll(more()));
    client.end();
    expect([...(await atServer)]).toEqual(Array.from({ length: 20 }, (_, i) => i));
    subs.unsubscribe();
  });

  it('an endless synchronous generator is pulled no faster than the peer reads', async () => {
    const { server, client, subs } = await connectedPair();
    let pulled = 0;
    function* endless() {
      for (;;) {
        pulled++;
        yield FRAME;
      }
    }
    // The peer does not read at all: only kernel buffers and the socket's high-water mark fill.
    const sending = client.sendAll(endless()).subscribe();
    await until(() => pulled > 0, 'first pull');
    // Wait until the generator is no longer pulled (kernel buffers full): stable over 5 checks.
    let settled = -1;
    for (let stable = 0, i = 0; stable < 5 && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 10));
      stable = pulled === settled ? stable + 1 : 0;
      settled = pulled;
    }
    expect(settled * FRAME.length).toBeLessThan(64 * MiB);
    await new Promise((r) => setTimeout(r, 50));
    expect(pulled).toBe(settled);
    // Once the peer reads, pulling resumes.
    let read = 0;
    subs.add(server.bytes.subscribe((c) => (read += c.length)));
    await until(() => read > settled * FRAME.length + 8 * MiB, 'more pulled after the peer reads');
    sending.unsubscribe();
    subs.unsubscribe();
  });

  it('a synchronous Observable firehose fails with MAILBOX_OVERFLOW instead of buffering without bound', async () => {
    const { client, subs } = await connectedPair();
    // 1 GiB pushed at once into a peer that does not read.
    const err = await lastValueFrom(
      client.sendAll(from(Array.from({ length: 16 * 1024 }, () => FRAME))),
    ).catch((e: unknown) => e);
    expect(isPortaError(err, 'MAILBOX_OVERFLOW')).toBe(true);
    expect((err as Error).message).toContain('maxPendingWriteBytes');
    // It stopped writing at the bound: the rest of the 1 GiB was never handed to the socket.
    expect(client.stats.pendingWriteBytes).toBeLessThanOrEqual(64 * MiB + FRAME.length);
    subs.unsubscribe();
  });

  it('a send on a connection the peer reset fails with a typed error', async () => {
    const { server, client, subs } = await connectedPair();
    subs.add(server.bytes.subscribe({ error: () => {} }));
    client.reset();
    await until(() => server.isClosed, 'server noticed the reset');
    const err = await lastValueFrom(server.send(Uint8Array.of(1))).catch((e: unknown) => e);
    expect(isPortaError(err, 'CONNECTION_RESET')).toBe(true);
    subs.unsubscribe();
  });
});
