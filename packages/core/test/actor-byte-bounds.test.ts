import { memoryTransport } from '@porta/core/testing';
import { interval, map, NEVER, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../src/actor/mailbox.js';
import { isPortaError, serve } from '../src/index.js';
import { advanceTo, record } from './actor-support.js';

const KiB = 1024;
const DATAGRAM = new Uint8Array(64 * KiB);

describe('mailboxes and reply queues are bounded in bytes (defaults)', () => {
  it('a stalled behaviour pins at most 128 KiB per peer (plus the message in hand), not 128 × 64 KiB', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.handle(() => NEVER)));
    const peers = 32;
    let droppedBytes = 0;
    for (let p = 0; p < peers; p++) {
      const client = t.connect({ canPause: false });
      for (let i = 0; i < 128; i++) client.send(DATAGRAM);
    }
    for (const e of r.ofType('dropped')) droppedBytes += e.bytes;
    const stats = r.stats();
    if (stats === undefined) throw new Error('no stats');
    const retained = stats.bytesIn - droppedBytes;
    // Each peer: one 64 KiB datagram in hand plus a 128 KiB mailbox — 192 KiB, where it was 8 MiB.
    expect(retained).toBeLessThanOrEqual(peers * (64 + 128) * KiB);
    expect(stats.dropped).toBe(peers * (128 - 3));
    r.sub.unsubscribe();
    expect(r.stats()?.undelivered).toBe(peers * 3);
  });

  it('maxBytes: Infinity restores a count-only mailbox', () => {
    const t = memoryTransport();
    const r = record(
      serve(t, (peer) => peer.handle(() => NEVER), { mailbox: { maxBytes: Number.POSITIVE_INFINITY } }),
    );
    const client = t.connect({ canPause: false });
    for (let i = 0; i < 128; i++) client.send(DATAGRAM);
    expect(r.stats()?.dropped).toBe(0);
    r.sub.unsubscribe();
  });

  it('backpressure pauses a pausable link at half the byte bound and resumes it at an eighth, dropping nothing', () => {
    const t = memoryTransport();
    const box = new Mailbox<Uint8Array>();
    expect([box.maxBytes, box.highWaterBytes, box.lowWaterBytes]).toEqual([128 * KiB, 64 * KiB, 16 * KiB]);
    const r = record(serve(t, (peer) => peer.handle(() => NEVER)));
    const client = t.connect({ canPause: true });
    for (let i = 0; i < 10; i++) client.send(new Uint8Array(16 * KiB));
    expect(client.flow).toEqual(['pause']);
    expect(r.stats()?.dropped).toBe(0);
    // 1 in hand + 4 × 16 KiB queued = 64 KiB: the link paused there; the rest waits at the peer.
    expect(client.held).toBe(5);
    r.sub.unsubscribe();
  });

  it('a behaviour emitting 64 KiB replies to a peer that never reads fails after 128 KiB, not 64 MiB', () => {
    const scheduler = new VirtualTimeScheduler();
    const t = memoryTransport();
    const r = record(
      serve(t, () => interval(10, scheduler).pipe(map(() => new Uint8Array(64 * KiB))), { scheduler }),
    );
    t.connect({ sends: 'manual' }); // never completes a send: the peer does not read
    advanceTo(scheduler, 10_000);
    const failed = r.ofType('failed');
    expect(failed).toHaveLength(1);
    expect(isPortaError(failed[0]?.error, 'MAILBOX_OVERFLOW')).toBe(true);
    expect(String((failed[0]?.error as Error).message)).toContain('maxPendingReplyBytes 131072');
    expect(r.stats()?.unsent).toBe(3); // the refused one, the queued one and the one in flight
    r.sub.unsubscribe();
  });

  it('a default server refuses the 1,025th actor (the count the ceiling is stated for)', () => {
    const t = memoryTransport();
    const r = record(serve(t, (peer) => peer.messages));
    for (let i = 0; i < 1_025; i++) t.connect();
    expect(r.stats()?.active).toBe(1_024);
    expect(r.ofType('rejected').map((e) => e.reason)).toEqual(['max-actors']);
    r.sub.unsubscribe();
  });

  it('refuses byte bounds that are not integers ≥ 1, before any socket', () => {
    const t = memoryTransport();
    expect(() => serve(t, (p) => p.messages, { mailbox: { maxBytes: 0 } })).toThrow(/maxBytes/);
    expect(() => serve(t, (p) => p.messages, { maxPendingReplyBytes: 1.5 })).toThrow(/maxPendingReplyBytes/);
  });
});
