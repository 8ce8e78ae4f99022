import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { TransportEvent } from '@porta/core/transport';
import { from, lastValueFrom, Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, listenTcp, type TcpConnection, type TcpPeerLink, tcpTransport } from '../src/index.js';
import { open, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);
const live = new Set<Subscription>();
afterEach(() => {
  for (const subs of live) subs.unsubscribe();
  live.clear();
});
function owned(): Subscription {
  const subs = new Subscription();
  live.add(subs);
  return subs;
}

const LIMIT = 256 * 1024;
const FRAME = new Uint8Array(64 * 1024).fill(3);

/**
 * Pushes 16 MiB at once into a peer that never reads: over a 256 KiB `maxPendingWriteBytes` that is
 * MAILBOX_OVERFLOW naming the limit; under the 64 MiB default it would just wait (a timeout here).
 */
async function firehoseError(conn: TcpConnection): Promise<unknown> {
  const sending = lastValueFrom(conn.sendAll(from(Array.from({ length: 256 }, () => FRAME))));
  const waited = new Promise((resolve) => setTimeout(() => resolve('no error within 3 s'), 3_000));
  return Promise.race([
    sending.then(
      () => 'completed',
      (e: unknown) => e,
    ),
    waited,
  ]);
}

describe('maxPendingWriteBytes as a listenTcp, connectTcp and tcpTransport option', () => {
  it('listenTcp gives it to every accepted connection', async () => {
    const subs = owned();
    const listener = await open(listenTcp({ maxPendingWriteBytes: LIMIT }), subs);
    const accepted = open(listener.connections, subs);
    await open(connectTcp({ host: '127.0.0.1', port: listener.local.port }), subs);
    const err = await firehoseError(await accepted);
    expect(isPortaError(err, 'MAILBOX_OVERFLOW'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`maxPendingWriteBytes ${LIMIT}`);
    subs.unsubscribe();
  });

  it('connectTcp gives it to its connection', async () => {
    const subs = owned();
    const listener = await open(listenTcp(), subs);
    subs.add(listener.connections.subscribe()); // accepted, never read
    const client = await open(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, maxPendingWriteBytes: LIMIT }),
      subs,
    );
    const err = await firehoseError(client);
    expect(isPortaError(err, 'MAILBOX_OVERFLOW'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`maxPendingWriteBytes ${LIMIT}`);
    subs.unsubscribe();
  });

  it('tcpTransport gives it to every peer link', async () => {
    const subs = owned();
    const events: TransportEvent[] = [];
    subs.add(
      tcpTransport({ maxPendingWriteBytes: LIMIT })
        .open()
        .subscribe((e) => events.push(e)),
    );
    await until(() => events.length > 0, 'listening');
    const listening = events[0];
    if (listening?.type !== 'listening') throw new Error('first event must be listening');
    await open(connectTcp({ host: '127.0.0.1', port: listening.local.port }), subs);
    await until(() => events.some((e) => e.type === 'peer'), 'the peer');
    const peer = events.find((e): e is Extract<TransportEvent, { type: 'peer' }> => e.type === 'peer');
    const err = await firehoseError((peer?.link as TcpPeerLink).connection);
    expect(isPortaError(err, 'MAILBOX_OVERFLOW'), String(err)).toBe(true);
    subs.unsubscribe();
  });

  it('refuses a maxPendingWriteBytes that is not a positive integer, before any socket', async () => {
    const err = await lastValueFrom(listenTcp({ maxPendingWriteBytes: 0 })).catch((e: unknown) => e);
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain('maxPendingWriteBytes');
    const err2 = await lastValueFrom(
      connectTcp({ host: '127.0.0.1', port: 9, maxPendingWriteBytes: -1 }),
    ).catch((e: unknown) => e);
    expect(isPortaError(err2, 'INVALID_ARGUMENT')).toBe(true);
  });
});
