import net from 'node:net';
import { encodeLengthPrefixed, isPortaError, lengthField, type Peer } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { connectTcp, frameTimeout, tcpTransport } from '@porta/tcp';
import { firstValueFrom, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ascii,
  connectionBudget,
  owned,
  type RunningServer,
  releaseAfterEach,
  startServer,
  text,
  until,
} from './support.js';

trackHandles();
releaseAfterEach();

const FRAME_TIMEOUT_MS = 1_000;
/** A length-prefixed echo with porta's defaults (maxFrameLength 8 MiB) and a frame-assembly timeout. */
const framedEcho = (peer: Peer) =>
  peer.messages.pipe(
    frameTimeout(lengthField(), { timeoutMs: FRAME_TIMEOUT_MS }),
    map((frame) => encodeLengthPrefixed(frame)),
  );

/** Opens `n` raw sockets to `port` (in batches), each sending `first` once connected. */
async function attackers(port: number, n: number, first: Uint8Array, sockets: net.Socket[]): Promise<void> {
  for (let done = 0; done < n; done += 100) {
    await Promise.all(
      Array.from(
        { length: Math.min(100, n - done) },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port }, () => {
              s.write(first);
              resolve();
            });
            s.on('error', () => resolve());
            sockets.push(s);
          }),
      ),
    );
  }
}

/** A well-behaved client: one framed request, its framed echo back. */
async function honestExchange(server: RunningServer, subs: ReturnType<typeof owned>): Promise<string> {
  const conn = await new Promise<import('@porta/tcp').TcpConnection>((resolve, reject) =>
    subs.add(
      connectTcp({ host: '127.0.0.1', port: server.local.port }).subscribe({ next: resolve, error: reject }),
    ),
  );
  const reply = firstValueFrom(conn.bytes.pipe(lengthField()));
  await firstValueFrom(conn.send(encodeLengthPrefixed(text('honest'))));
  const answer = ascii(await reply);
  conn.close();
  return answer;
}

describe('hostile: lying length fields, slow-loris, resets and FINs mid-frame (TCP, default options)', () => {
  it('a thousand peers declaring 8 MiB frames cost their bytes, not 8 GiB, and are cut at the frame timeout; others are served', async () => {
    const subs = owned();
    const n = connectionBudget(1_000);
    const server = await startServer(tcpTransport({ port: 0 }), framedEcho, subs);
    const sockets: net.Socket[] = [];
    subs.add(() => {
      for (const s of sockets) s.destroy();
    });
    // Header: a frame just under 8 MiB (maxFrameLength), then ten bytes of the "frame", then silence.
    const lie = new Uint8Array(14);
    new DataView(lie.buffer).setUint32(0, 8 * 1024 * 1024 - 8); // header included, just under maxFrameLength
    const start = Date.now();
    await attackers(server.local.port, n, lie, sockets);
    await until(() => server.server.stats().bytesIn === n * 14, 'every lie to arrive', 15_000);
    // While they wait, an honest client is served.
    expect(await honestExchange(server, subs)).toBe('honest');
    await until(() => server.ofType('failed').length === n, 'the frame timeout to cut every liar', 15_000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(FRAME_TIMEOUT_MS);
    const codes = new Set(server.ofType('failed').map((f) => (f.error as { code?: string }).code));
    expect([...codes]).toEqual(['TIMEOUT']);
    // What they cost is what they sent: 14 bytes each, in mailboxes or framers, nothing reserved.
    expect(server.server.stats().bytesIn).toBe(n * 14 + 10);
    await until(() => server.server.stats().active === 0, 'every liar to be closed');
    subs.unsubscribe();
  });

  it('a 4 GiB length is FRAME_TOO_LONG at once; a slow-loris trickle is cut at the frame timeout', async () => {
    const subs = owned();
    const server = await startServer(tcpTransport({ port: 0 }), framedEcho, subs);
    const sockets: net.Socket[] = [];
    subs.add(() => {
      for (const s of sockets) s.destroy();
    });
    await attackers(server.local.port, 20, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3), sockets);
    await until(() => server.ofType('failed').length === 20, 'the 4 GiB headers to be refused');
    for (const f of server.ofType('failed')) expect(isPortaError(f.error, 'FRAME_TOO_LONG')).toBe(true);

    // Slow-loris: a valid 100-byte frame, one byte every 50 ms — never idle, never finished in time.
    const loris: net.Socket[] = [];
    await attackers(server.local.port, 1, Uint8Array.of(0, 0, 0, 100), loris);
    sockets.push(...loris);
    const trickle = setInterval(() => loris[0]?.write(Uint8Array.of(7)), 50);
    subs.add(() => clearInterval(trickle));
    await until(() => server.ofType('failed').length === 21, 'the trickle to be cut', 5_000);
    clearInterval(trickle);
    expect(isPortaError(server.ofType('failed')[20]?.error, 'TIMEOUT')).toBe(true);
    expect(await honestExchange(server, subs)).toBe('honest');
    subs.unsubscribe();
  });

  it('peers that reset or half-close in the middle of a frame are counted (TRUNCATED, link-error); none takes the server down', async () => {
    const subs = owned();
    const server = await startServer(tcpTransport({ port: 0 }), framedEcho, subs);
    const sockets: net.Socket[] = [];
    subs.add(() => {
      for (const s of sockets) s.destroy();
    });
    const half = Uint8Array.of(0, 0, 0, 50, 1, 2, 3, 4, 5);
    await attackers(server.local.port, 40, half, sockets);
    await until(() => server.server.stats().bytesIn === 40 * half.length, 'the half frames to arrive');
    sockets.forEach((s, i) => {
      if (i % 2 === 0) s.resetAndDestroy();
      else s.end();
    });
    await until(() => server.ofType('closed').length === 40, 'every peer to be closed');
    const closed = server.ofType('closed');
    const truncated = closed.filter((c) => c.reason === 'failed' && isPortaError(c.error, 'TRUNCATED'));
    const reset = closed.filter(
      (c) => c.reason === 'link-error' && isPortaError(c.error, 'CONNECTION_RESET'),
    );
    expect(truncated).toHaveLength(20);
    expect(reset).toHaveLength(20);
    expect(await honestExchange(server, subs)).toBe('honest');
    subs.unsubscribe();
  });
});
