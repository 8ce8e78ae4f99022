import { isPortaError, lengthField } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { lastValueFrom, map, NEVER, Subscription, timer, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, frameTimeout, listenTcp } from '../src/index.js';
import { advanceTo, collect, connectedPair, open, releaseAll, until } from './support.js';

trackHandles();
afterEach(releaseAll);

const MiB = 1024 * 1024;

/** Byte `i` of the test stream: a pattern with period 251 (prime), so loss or reordering shows. */
const PERIOD = 251;
const CHUNK = 64 * 1024;
const PATTERN = Uint8Array.from({ length: CHUNK + PERIOD }, (_, i) => (i * 7 + 3) % PERIOD);

function* patternChunks(total: number): Generator<Uint8Array> {
  for (let sent = 0; sent < total; sent += CHUNK) {
    const start = sent % PERIOD;
    yield PATTERN.subarray(start, start + Math.min(CHUNK, total - sent));
  }
}

describe('TCP faults', () => {
  it('peer resets mid-frame: the error surfaces once, the partial frame is dropped, nothing leaks', async () => {
    const { server, client, subs } = await connectedPair();
    const frames: Uint8Array[] = [];
    const errors: unknown[] = [];
    let completed = false;
    server.bytes.pipe(lengthField()).subscribe({
      next: (f) => frames.push(f),
      error: (e) => errors.push(e),
      complete: () => (completed = true),
    });
    // Header says 1000 bytes; only 100 arrive before the reset.
    const partial = new Uint8Array(104);
    new DataView(partial.buffer).setUint32(0, 1000);
    await lastValueFrom(client.send(partial));
    await until(() => server.stats.bytesRead === 104, 'partial frame read');
    // A real RST: the client aborts instead of sending FIN.
    client.reset();
    await until(() => server.isClosed, 'server side closed');
    await new Promise((r) => setTimeout(r, 20));
    expect(frames).toEqual([]);
    expect(completed).toBe(false);
    expect(errors).toHaveLength(1);
    expect(isPortaError(errors[0], 'CONNECTION_RESET')).toBe(true);
    // A later subscriber sees the same typed error, not a hang.
    const late = await lastValueFrom(server.bytes).catch((e: unknown) => e);
    expect(isPortaError(late, 'CONNECTION_RESET')).toBe(true);
    subs.unsubscribe();
  });

  it('half-open peer: inbound completes on FIN while outbound stays writable', async () => {
    const { server, client, subs } = await connectedPair();
    const atServer = collect(server.bytes);
    await lastValueFrom(client.send(Uint8Array.of(1, 2, 3)));
    client.end();
    expect([...(await atServer)]).toEqual([1, 2, 3]);
    // The server's inbound is finished, yet it can still answer, several times.
    const atClient = collect(client.bytes);
    await lastValueFrom(server.send(Uint8Array.of(4)));
    await lastValueFrom(server.send(Uint8Array.of(5, 6)));
    server.end();
    expect([...(await atClient)]).toEqual([4, 5, 6]);
    // After end() a send is a typed error, not a crash.
    const err = await lastValueFrom(server.send(Uint8Array.of(7))).catch((e: unknown) => e);
    expect(isPortaError(err, 'SOCKET_CLOSED')).toBe(true);
    await until(() => server.isClosed && client.isClosed, 'both closed after both FINs');
    subs.unsubscribe();
  });

  it('slow consumer while the peer sends 256 MiB: no byte lost, queued bytes ≤ high-water + one chunk', async () => {
    const total = 256 * MiB;
    const highWaterMark = 256 * 1024;
    const { server, client, subs } = await connectedPair();
    let received = 0;
    let mismatches = 0;
    let nextSlowAt = MiB;
    const done = lastValueFrom(
      server.receive(
        (chunk) => {
          // Check every byte against the pattern: a lost, duplicated or reordered byte fails the test.
          let p = received % PERIOD;
          let expected = (p * 7 + 3) % PERIOD;
          for (let i = 0; i < chunk.length; i++) {
            if (chunk[i] !== expected) mismatches++;
            p = p + 1 === PERIOD ? 0 : p + 1;
            expected = (p * 7 + 3) % PERIOD;
          }
          received += chunk.length;
          if (received >= nextSlowAt) {
            nextSlowAt += 4 * MiB;
            return timer(2).pipe(map(() => undefined)); // a slow step: the queue fills and the socket must pause
          }
          return new Promise<void>((r) => setImmediate(r));
        },
        { highWaterMark, lowWaterMark: highWaterMark / 4 },
      ),
      { defaultValue: undefined },
    );
    await lastValueFrom(client.sendAll(patternChunks(total)));
    client.end();
    await done;
    expect(received).toBe(total);
    expect(mismatches).toBe(0);
    const stats = server.stats;
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.peakQueuedBytes).toBeLessThanOrEqual(highWaterMark + CHUNK);
    expect(stats.queuedBytes).toBe(0);
    subs.unsubscribe();
  }, 120_000);

  it('unsubscribing mid-transfer leaves no open handle', async () => {
    const subs = new Subscription();
    const listener = await open(listenTcp(), subs);
    let serverRead = 0;
    subs.add(
      listener.connections.subscribe((conn) => {
        subs.add(conn.bytes.subscribe((chunk) => (serverRead += chunk.length)));
      }),
    );
    let sent = 0;
    const transfer = new Subscription();
    transfer.add(
      connectTcp({ host: '127.0.0.1', port: listener.local.port }).subscribe((conn) => {
        transfer.add(conn.sendAll(patternChunks(1024 * MiB)).subscribe({ next: () => (sent = -1) }));
        sent = 1;
      }),
    );
    await until(() => serverRead > 4 * MiB, 'transfer under way');
    transfer.unsubscribe();
    expect(sent).toBe(1);
    subs.unsubscribe();
  });

  it('idle timeout: a silent connection is closed with TIMEOUT; traffic postpones it (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { server, client, subs } = await connectedPair({ idleTimeoutMs: 1_000, scheduler });
    let serverError: unknown;
    server.bytes.subscribe({ error: (e) => (serverError = e) });
    const clientInbound = collect(client.bytes);

    advanceTo(scheduler, 900);
    await lastValueFrom(client.send(Uint8Array.of(1)));
    await until(() => server.stats.bytesRead === 1, 'byte read');
    // 900 ms after the byte: not idle for 1000 ms yet.
    advanceTo(scheduler, 1_800);
    await new Promise((r) => setTimeout(r, 10));
    expect(server.isClosed).toBe(false);
    expect(serverError).toBeUndefined();

    advanceTo(scheduler, 1_900);
    await until(() => server.isClosed, 'idle connection closed');
    expect(isPortaError(serverError, 'TIMEOUT')).toBe(true);
    expect((serverError as Error).message).toContain('1000 ms');
    await clientInbound; // the client sees the close
    subs.unsubscribe();
  });

  it('idle timeout does not blame the peer while our own consumer holds its data (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { server, client, subs } = await connectedPair({ idleTimeoutMs: 1_000, scheduler });
    let serverError: unknown;
    // A handler that never finishes: the byte stays queued on our side.
    const stuck = server.receive(() => NEVER).subscribe({ error: (e) => (serverError = e) });
    await lastValueFrom(client.send(Uint8Array.of(1)));
    await until(() => server.stats.queuedBytes === 1, 'byte queued');
    advanceTo(scheduler, 5_000);
    await new Promise((r) => setTimeout(r, 10));
    expect(server.isClosed).toBe(false);
    // Once our side lets go, the silence counts again.
    stuck.unsubscribe();
    let closedError: unknown;
    subs.add(server.bytes.subscribe({ error: (e) => (closedError = e) }));
    advanceTo(scheduler, 7_100);
    await until(() => server.isClosed, 'idle connection closed');
    expect(serverError).toBeUndefined();
    expect(isPortaError(closedError, 'TIMEOUT')).toBe(true);
    subs.unsubscribe();
  });

  it('slow-loris peer: a frame trickled byte by byte fails with TIMEOUT under frameTimeout (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { server, client, subs } = await connectedPair();
    const frames: Uint8Array[] = [];
    let failure: unknown;
    subs.add(
      server.bytes.pipe(frameTimeout(lengthField(), { timeoutMs: 5_000, scheduler })).subscribe({
        next: (f) => frames.push(f),
        error: (e) => {
          failure = e;
          server.close(); // the owner of the connection closes it on the guard's error
        },
      }),
    );
    // One whole frame in time, then a frame whose bytes come one at a time, 1 s (virtual) apart.
    await lastValueFrom(client.send(Uint8Array.of(0, 0, 0, 2, 7, 7)));
    await until(() => frames.length === 1, 'first frame');
    await lastValueFrom(client.send(Uint8Array.of(0, 0, 0, 100)));
    for (let second = 1; second <= 6 && failure === undefined; second++) {
      await lastValueFrom(client.send(Uint8Array.of(second)));
      await until(() => server.stats.bytesRead === 10 + second, 'trickled byte read');
      advanceTo(scheduler, second * 1_000);
    }
    expect(isPortaError(failure, 'TIMEOUT')).toBe(true);
    expect(frames).toHaveLength(1);
    await collect(client.bytes); // the peer is disconnected
    subs.unsubscribe();
  });
});
