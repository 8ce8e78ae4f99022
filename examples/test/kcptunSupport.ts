import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { endpoint } from '@porta/core';
import { impairmentProxy } from '@porta/reliability';
import { bindUdp } from '@porta/udp';
import type { Observable, Subscription } from 'rxjs';
import { afterEach } from 'vitest';
import type { KcpTunnelEvent } from '../src/index.js';
import { type Child, start } from './support.js';

// What the kcptun interop tests share: tunnel ends, an echo server, a checksummed bulk echo and a
// lossy path, each stopped after the test.
const subscriptions: Subscription[] = [];
const servers: Server[] = [];
const sockets = new Set<Socket>();
/** Stops every tunnel, proxy, server and socket a test started, after each test. */
export function stopAfterEach(): void {
  afterEach(async () => {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    // kcptun keeps its connections to the echo server open until it is killed: close them here.
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  });
}

/** Subscribes a tunnel end (stopped after the test); resolves with the port it listens on. */
export function startTunnel(
  tunnel: Observable<KcpTunnelEvent>,
  onEvent: (event: KcpTunnelEvent) => void = () => undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    subscriptions.push(
      tunnel.subscribe({
        next: (e) => {
          onEvent(e);
          if (e.type === 'listening') resolve(e.local.port);
        },
        error: reject,
      }),
    );
  });
}

/** Resolves once a kcptun program has logged that it listens (kcptun logs to stderr). */
export async function kcptunReady(child: Child): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!child.stderr.some((l) => l.includes('listening on'))) {
    if (Date.now() > deadline) throw new Error(`kcptun did not start: ${child.stderr.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts kcptun's `role` end, listening on `listen` (`-l`) and going to `to` (`-r` for the client,
 * `-t` for the server), with `flags`; resolves once it says it listens.
 */
export async function startKcptun(
  role: 'client' | 'server',
  listen: number,
  to: number,
  flags: readonly string[],
): Promise<Child> {
  const child = start(`kcptun-${role}`, [
    '-l',
    `127.0.0.1:${listen}`,
    role === 'client' ? '-r' : '-t',
    `127.0.0.1:${to}`,
    ...flags,
  ]);
  await kcptunReady(child);
  return child;
}

/** A TCP echo server on loopback (stopped after the test). */
export async function echoServer(): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

/** Sends `size` pseudo-random bytes (or compressible text) through `port` and returns the SHA-256 of what was sent and of what came back. */
export async function echoThrough(
  port: number,
  size: number,
  kind: 'noise' | 'text' = 'noise',
): Promise<{ sent: string; received: string; bytes: number }> {
  const data = createHash('sha512').update('seed').digest();
  const payload = Buffer.alloc(size);
  if (kind === 'text') {
    // Lines that repeat with a counter: what snappy compresses.
    payload.write(
      Array.from({ length: Math.ceil(size / 24) }, (_, i) => `line ${i % 1000} of the log\n`).join(''),
    );
  } else {
    for (let i = 0; i < size; i++) payload[i] = (data[i % data.length] as number) ^ (i * 7);
  }
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
export function lossyPath(targetPort: number, lossRate = 0.1, seed = 5): Promise<number> {
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
