import { isPortaError, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { lastValueFrom, map, mergeMap, range, Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, listenTcp, tcpTransport } from '../src/index.js';
import { collect, connectedPair, open, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const MiB = 1024 * 1024;
/** Frame i: `size` bytes all equal to i % 251, so order shows in the bytes. */
const frame = (i: number, size: number) => new Uint8Array(size).fill(i % 251);

/** Subscribes to a batch and resolves with the counts it emitted and how it ended. */
function batchOutcome(
  batch: import('rxjs').Observable<number>,
): Promise<{ counts: number[]; error?: unknown; errors: number }> {
  return new Promise((resolve) => {
    const counts: number[] = [];
    let errors = 0;
    batch.subscribe({
      next: (n) => counts.push(n),
      error: (error: unknown) => {
        errors++;
        // A second error (or a value after it) would show up here before the test reads it.
        setTimeout(() => resolve({ counts, error, errors }), 20);
      },
      complete: () => resolve({ counts, errors }),
    });
  });
}

describe('TcpConnection.sendBatch', () => {
  it('gathers frames into writes of at most maxWriteBatchBytes, counts each write, keeps order', async () => {
    const { server, client, subs } = await connectedPair({}, { maxWriteBatchBytes: 100 });
    const frames = [...Array.from({ length: 7 }, (_, i) => frame(i, 30)), frame(7, 250), frame(8, 30)];
    const received = collect(server.bytes);
    const result = await batchOutcome(client.sendBatch(frames));
    client.end();
    // 3 × 30 fit in 100 bytes, a fourth does not; the 250-byte frame goes alone.
    expect(result).toEqual({ counts: [3, 3, 1, 1, 1], errors: 0 });
    expect([...(await received)]).toEqual(frames.flatMap((f) => [...f]));
    subs.unsubscribe();
  });

  it('completes at once for no frames, and refuses to send on a closed connection', async () => {
    const { client, subs } = await connectedPair();
    expect(await batchOutcome(client.sendBatch([]))).toEqual({ counts: [], errors: 0 });
    client.close();
    await until(() => client.isClosed, 'the client closed');
    const result = await batchOutcome(client.sendBatch([frame(1, 4)]));
    expect(result.counts).toEqual([]);
    expect(isPortaError(result.error, 'SOCKET_CLOSED')).toBe(true);
    subs.unsubscribe();
  });

  it('waits for drain between writes, and a reset mid-batch fails the rest once, after counting what went', async () => {
    const { server, client, subs } = await connectedPair({}, { maxWriteBatchBytes: MiB });
    // The server never reads: loopback's buffers take a few MiB, the rest waits behind 'drain'.
    const frames = Array.from({ length: 64 }, (_, i) => frame(i, MiB));
    const result = batchOutcome(client.sendBatch(frames));
    await until(() => client.stats.pendingWriteBytes > 0, 'bytes waiting in the client');
    // Only the writes before the full buffer were made: the batch did not dump 64 MiB into it.
    expect(client.stats.pendingWriteBytes).toBeLessThan(8 * MiB);
    server.reset();
    const r = await result;
    expect(r.errors).toBe(1);
    expect(isPortaError(r.error, 'CONNECTION_RESET'), String(r.error)).toBe(true);
    const sent = r.counts.reduce((a, b) => a + b, 0);
    expect(sent).toBeLessThan(frames.length);
    subs.unsubscribe();
  });

  it('refuses a maxWriteBatchBytes that is not a positive integer, before any socket', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const listen = await lastValueFrom(listenTcp({ maxWriteBatchBytes: bad })).catch((e: unknown) => e);
      expect(isPortaError(listen, 'INVALID_ARGUMENT'), String(bad)).toBe(true);
      expect((listen as Error).message).toContain('maxWriteBatchBytes');
      const connect = await lastValueFrom(
        connectTcp({ host: '127.0.0.1', port: 9, maxWriteBatchBytes: bad }),
      ).catch((e: unknown) => e);
      expect(isPortaError(connect, 'INVALID_ARGUMENT'), String(bad)).toBe(true);
    }
  });
});

describe('serve over TCP: replies emitted together go out as one batch', () => {
  async function echoServer(
    behaviour: Parameters<typeof serve>[1],
    options: Parameters<typeof serve>[2] = {},
  ): Promise<{ port: number; stats: () => import('@porta/core').ServerStats; subs: Subscription }> {
    const subs = new Subscription();
    const { port, stats } = await new Promise<{
      port: number;
      stats: () => import('@porta/core').ServerStats;
    }>((resolve, reject) =>
      subs.add(
        serve(tcpTransport({ host: '127.0.0.1', port: 0 }), behaviour, options).subscribe({
          next: (e) => {
            if (e.type === 'listening') resolve({ port: e.local.port, stats: () => e.server.stats() });
          },
          error: reject,
        }),
      ),
    );
    return { port, stats, subs };
  }

  it('a burst of 1,000 replies to one message arrives in order, each counted once', async () => {
    const line = (i: number) => new TextEncoder().encode(`reply ${i}\n`);
    const server = await echoServer((peer) =>
      peer.messages.pipe(
        mergeMap(() => range(0, 1000)),
        map(line),
      ),
    );
    const client = await open(connectTcp({ host: '127.0.0.1', port: server.port }), server.subs);
    const expected = Array.from({ length: 1000 }, (_, i) => `reply ${i}\n`).join('');
    const received: Uint8Array[] = [];
    server.subs.add(client.bytes.subscribe((c) => received.push(c)));
    await lastValueFrom(client.send(Uint8Array.of(0x21)));
    await until(() => Buffer.concat(received).length >= expected.length, 'every reply');
    expect(Buffer.concat(received).toString()).toBe(expected);
    await until(() => server.stats().messagesOut === 1000, 'every reply counted');
    expect(server.stats()).toMatchObject({ messagesOut: 1000, bytesOut: expected.length, unsent: 0 });
    server.subs.unsubscribe();
  });

  it('a peer that resets mid-batch: every reply ends counted once, sent or unsent', async () => {
    // 64 replies of 1 MiB to a client that never reads: most are still in the batch at the reset.
    const server = await echoServer(
      (peer) => peer.messages.pipe(mergeMap(() => Array.from({ length: 64 }, (_, i) => frame(i, MiB)))),
      { maxPendingReplyBytes: 128 * MiB, maxPendingReplies: 128 },
    );
    const client = await open(connectTcp({ host: '127.0.0.1', port: server.port }), server.subs);
    await lastValueFrom(client.send(Uint8Array.of(1)));
    // Let the server queue its batch and fill the loopback buffers (however many writes that takes).
    await until(() => server.stats().messagesIn === 1, 'the message at the server');
    await new Promise((r) => setTimeout(r, 100));
    client.reset();
    await until(() => server.stats().closed === 1, 'the actor closed');
    const stats = server.stats();
    expect(stats.messagesOut).toBeLessThan(64);
    expect(stats.messagesOut + stats.unsent).toBe(64);
    expect(stats.bytesOut).toBe(stats.messagesOut * MiB);
    server.subs.unsubscribe();
  });
});
