import { isPortaError, type Peer } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { connectTcp, type TcpConnection, tcpTransport } from '@porta/tcp';
import { firstValueFrom, interval, map, merge, switchMap, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { owned, releaseAfterEach, startServer, text, until } from './support.js';

trackHandles();
releaseAfterEach();

const CHUNK = new Uint8Array(64 * 1024);

/**
 * Echoes each message; on "subscribe" it also pushes 64 KiB every millisecond on its own (a feed),
 * paced by nothing but the reply queue's bounds — the shape of a broadcast to a peer that never reads.
 */
const feed = (peer: Peer) =>
  peer.messages.pipe(
    take(1),
    switchMap((m) =>
      new TextDecoder().decode(m) === 'subscribe' ? interval(1).pipe(map(() => CHUNK)) : merge([m]),
    ),
  );

describe('hostile: a TCP peer that never reads (default options)', () => {
  it('costs at most the reply queue’s bytes plus the kernel’s buffers: its actor fails with MAILBOX_OVERFLOW; others are served', async () => {
    const subs = owned();
    const server = await startServer(tcpTransport({ port: 0 }), feed, subs);
    const connect = () =>
      new Promise<TcpConnection>((resolve, reject) =>
        subs.add(
          connectTcp({ host: '127.0.0.1', port: server.local.port }).subscribe({
            next: resolve,
            error: reject,
          }),
        ),
      );
    const sink = await connect();
    sink.pause(); // never reads: the kernel's receive window closes
    await firstValueFrom(sink.send(text('subscribe')));

    await until(() => server.ofType('failed').length === 1, 'the feed to overflow its reply queue', 15_000);
    const [failure] = server.ofType('failed');
    expect(isPortaError(failure?.error, 'MAILBOX_OVERFLOW')).toBe(true);
    expect(String((failure?.error as Error).message)).toContain('maxPendingReplyBytes 131072');
    const stats = server.server.stats();
    // Handed to the socket before it stopped draining: the kernel's buffers, a few MiB on loopback.
    expect(stats.bytesOut).toBeLessThan(32 * 1024 * 1024);
    expect(stats.unsent).toBeGreaterThanOrEqual(2);

    const other = await connect();
    const reply = firstValueFrom(other.bytes);
    await firstValueFrom(other.send(text('ping')));
    expect(new TextDecoder().decode(await reply)).toBe('ping');
    subs.unsubscribe();
  });
});
