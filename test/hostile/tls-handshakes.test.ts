import net from 'node:net';
import { trackHandles } from '@porta/core/testing';
import { connectTcp, listenTcp, type RejectedConnection } from '@porta/tcp';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { advanceTo, noOpenssl, open, selfSignedCert } from '../../packages/tcp/test/support.js';
import { owned, releaseAfterEach, until } from './support.js';

trackHandles();
releaseAfterEach();

function rawSocket(port: number, onClose: () => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.once('close', onClose);
  });
}

describe.skipIf(noOpenssl !== undefined)(`hostile: TLS handshakes (${noOpenssl ?? 'openssl'})`, () => {
  const { key, cert } =
    noOpenssl === undefined ? selfSignedCert() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

  it('junk and stalled handshakes filling every slot are rejected, counted, their slots freed; a real client is served', async () => {
    const subs = owned();
    const scheduler = new VirtualTimeScheduler();
    const listener = await open(listenTcp({ tls: { key, cert }, maxConnections: 8, scheduler }), subs);
    const port = listener.local.port;
    const rejected: RejectedConnection[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r)));
    let closed = 0;
    const sockets: net.Socket[] = [];
    subs.add(() => {
      for (const s of sockets) s.destroy();
    });

    // 20 junk handshakes (HTTP, zeros, a truncated record header), one after another: each is
    // refused at once, so the eight slots are never exhausted by them.
    const junk = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.alloc(64),
      Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01]),
    ];
    for (let i = 0; i < 20; i++) {
      const s = await rawSocket(port, () => closed++);
      sockets.push(s);
      s.write(junk[i % junk.length] as Buffer);
      if (i % junk.length === 2) s.end(); // the truncated record, then FIN
    }
    await until(() => rejected.length === 20, 'every junk handshake to be rejected');
    await until(() => listener.stats.open === 0, 'their slots to be freed');

    // Eight silent sockets take every slot; a ninth is over the limit.
    for (let i = 0; i < 8; i++) sockets.push(await rawSocket(port, () => closed++));
    await until(() => listener.stats.open === 8, 'the silent sockets to hold every slot');
    sockets.push(await rawSocket(port, () => closed++));
    await until(() => rejected.some((r) => r.error.code === 'CONNECTION_LIMIT'), 'the ninth to be refused');

    advanceTo(scheduler, 5_000); // the default deadline
    await until(() => listener.stats.open === 0, 'the deadline to free the slots');
    const codes = rejected.map((r) => r.error.code);
    expect(codes.filter((c) => c === 'TLS')).toHaveLength(20);
    expect(codes.filter((c) => c === 'TIMEOUT')).toHaveLength(8);
    expect(codes.filter((c) => c === 'CONNECTION_LIMIT')).toHaveLength(1);
    expect(listener.stats.rejected).toBe(29);
    for (const r of rejected) {
      expect(r.remote.port).toBeGreaterThan(0);
      expect(r.reason).not.toContain('\n');
    }

    const client = await open(connectTcp({ host: '127.0.0.1', port, tls: { ca: cert } }), subs);
    expect(client.remote.port).toBe(port);
    subs.unsubscribe();
  });
});
