import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { endpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { impairmentProxy } from '@porta/reliability';
import { bindUdp } from '@porta/udp';
import type { Observable, Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { kcptunFlags, kcptunSkipReason } from '../../test/support/kcptun.js';
import { type KcpTunnelEvent, kcpTunnelClient, kcpTunnelServer } from '../src/index.js';
import { type Child, cleanUpChildren, freePort, python, pythonSkipReason, start } from './support.js';

// porta's KCP tunnel against Debian's kcptun (kcp-go + smux), on loopback, in both directions.
const kcptunMissing = kcptunSkipReason();
const pythonMissing = pythonSkipReason();
if (kcptunMissing) console.warn(`Skipping the kcptun interoperability tests: ${kcptunMissing}`);

trackHandles();
cleanUpChildren();

const subscriptions: Subscription[] = [];
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  // kcptun keeps its connections to the echo server open until it is killed: close them here.
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** Subscribes a tunnel end (stopped after the test); resolves with the port it listens on. */
function startTunnel(tunnel: Observable<KcpTunnelEvent>): Promise<number> {
  return new Promise((resolve, reject) => {
    subscriptions.push(
      tunnel.subscribe({
        next: (e) => {
          if (e.type === 'listening') resolve(e.local.port);
        },
        error: reject,
      }),
    );
  });
}

/** Resolves once a kcptun program has logged that it listens (kcptun logs to stderr). */
async function kcptunReady(child: Child): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!child.stderr.some((l) => l.includes('listening on'))) {
    if (Date.now() > deadline) throw new Error(`kcptun did not start: ${child.stderr.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP echo server on loopback (stopped after the test). */
async function echoServer(): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

/** Sends `size` pseudo-random bytes through `port` and returns the SHA-256 of what was sent and of what came back. */
async function echoThrough(
  port: number,
  size: number,
): Promise<{ sent: string; received: string; bytes: number }> {
  const data = createHash('sha512').update('seed').digest();
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (data[i % data.length] as number) ^ (i * 7);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes >= size) {
        socket.end();
        resolve({
          sent: createHash('sha256').update(payload).digest('hex'),
          received: hash.digest('hex'),
          bytes,
        });
      }
    });
    socket.on('error', reject);
    socket.write(payload);
  });
}

/** A lossy UDP path to `target` (10% each way by default); resolves with the port to send to. */
function lossyPath(targetPort: number, lossRate = 0.1, seed = 5): Promise<number> {
  return new Promise((resolve, reject) => {
    subscriptions.push(
      impairmentProxy({ bind: bindUdp, target: endpoint('127.0.0.1', targetPort), lossRate, seed }).subscribe(
        {
          next: (proxy) => resolve(proxy.local.port),
          error: reject,
        },
      ),
    );
  });
}

describe.skipIf(kcptunMissing !== undefined)('porta KCP tunnel ↔ Debian kcptun', () => {
  describe.each([
    { mode: 'fast', smuxver: 1 as const },
    { mode: 'fast3', smuxver: 2 as const },
  ])('--mode $mode --smuxver $smuxver', ({ mode, smuxver }) => {
    it.skipIf(pythonMissing !== undefined)(
      "kcptun-client → porta server → tcp_exemplo.py: the course's client reads 'Fechado, cliente'",
      async () => {
        const targetPort = await freePort('tcp');
        const target = python('tcp_exemplo.py', ['servidor', '127.0.0.1', '-p', String(targetPort)]);
        await target.line(/^Escutando em/);
        const kcpPort = await startTunnel(
          kcpTunnelServer({
            listen: { address: '127.0.0.1', port: 0 },
            target: { host: '127.0.0.1', port: targetPort },
            mode: mode as 'fast',
            smuxVersion: smuxver,
          }),
        );
        const localPort = await freePort('tcp');
        const client = start('kcptun-client', [
          '-l',
          `127.0.0.1:${localPort}`,
          '-r',
          `127.0.0.1:${kcpPort}`,
          ...kcptunFlags({ mode, smuxver }),
        ]);
        await kcptunReady(client);
        const course = python('tcp_exemplo.py', ['cliente', '127.0.0.1', '-p', String(localPort)]);
        expect(await course.exited).toBe(0);
        expect(course.stdout).toContain("O servidor diz b'Fechado, cliente'");
        expect(await target.line(/Recebendo mensagem/)).toBe(
          " Recebendo mensagem do tipo 16 octetos: b'Enviei, servidor'",
        );
      },
    );

    it.skipIf(pythonMissing !== undefined)(
      "porta client → kcptun-server → tcp_exemplo.py: the course's client reads 'Fechado, cliente'",
      async () => {
        const targetPort = await freePort('tcp');
        const target = python('tcp_exemplo.py', ['servidor', '127.0.0.1', '-p', String(targetPort)]);
        await target.line(/^Escutando em/);
        const kcpPort = await freePort('udp');
        const server = start('kcptun-server', [
          '-l',
          `127.0.0.1:${kcpPort}`,
          '-t',
          `127.0.0.1:${targetPort}`,
          ...kcptunFlags({ mode, smuxver }),
        ]);
        await kcptunReady(server);
        const localPort = await startTunnel(
          kcpTunnelClient({
            listen: { host: '127.0.0.1', port: 0 },
            remote: { address: '127.0.0.1', port: kcpPort },
            mode: mode as 'fast',
            smuxVersion: smuxver,
          }),
        );
        const course = python('tcp_exemplo.py', ['cliente', '127.0.0.1', '-p', String(localPort)]);
        expect(await course.exited).toBe(0);
        expect(course.stdout).toContain("O servidor diz b'Fechado, cliente'");
      },
    );

    it('kcptun-client → 10% loss each way → porta server: 384 KiB echoed with the same SHA-256', async () => {
      const echoPort = await echoServer();
      const kcpPort = await startTunnel(
        kcpTunnelServer({
          listen: { address: '127.0.0.1', port: 0 },
          target: { host: '127.0.0.1', port: echoPort },
          mode: mode as 'fast',
          smuxVersion: smuxver,
        }),
      );
      const lossy = await lossyPath(kcpPort);
      const localPort = await freePort('tcp');
      const client = start('kcptun-client', [
        '-l',
        `127.0.0.1:${localPort}`,
        '-r',
        `127.0.0.1:${lossy}`,
        ...kcptunFlags({ mode, smuxver }),
      ]);
      await kcptunReady(client);
      const result = await echoThrough(localPort, 384 * 1024);
      expect(result.bytes).toBe(384 * 1024);
      expect(result.received).toBe(result.sent);
    });

    it('porta client → 10% loss each way → kcptun-server: 384 KiB echoed with the same SHA-256', async () => {
      const echoPort = await echoServer();
      const kcpPort = await freePort('udp');
      const server = start('kcptun-server', [
        '-l',
        `127.0.0.1:${kcpPort}`,
        '-t',
        `127.0.0.1:${echoPort}`,
        ...kcptunFlags({ mode, smuxver }),
      ]);
      await kcptunReady(server);
      const lossy = await lossyPath(kcpPort);
      const localPort = await startTunnel(
        kcpTunnelClient({
          listen: { host: '127.0.0.1', port: 0 },
          remote: { address: '127.0.0.1', port: lossy },
          mode: mode as 'fast',
          smuxVersion: smuxver,
        }),
      );
      const result = await echoThrough(localPort, 384 * 1024);
      expect(result.bytes).toBe(384 * 1024);
      expect(result.received).toBe(result.sent);
    });
  });
});
