import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Observable, Subscription } from 'rxjs';
import { type ConnectTcpOptions, connectTcp, type ListenTcpOptions, listenTcp } from '../src/index.js';
import type { TcpConnection } from '../src/tcpConnection.js';
import type { TcpListener } from '../src/tcpListener.js';

const live = new Set<Subscription>();

/**
 * Unsubscribes everything `connectedPair` opened and a test left open (a failed assertion skips the
 * test's own cleanup). Register with `afterEach(releaseAll)` *after* `trackHandles()`, so it runs first.
 */
export function releaseAll(): void {
  for (const subs of live) subs.unsubscribe();
  live.clear();
}

/** Subscribes and resolves with the first value, keeping the subscription (owned by `subs`). */
export function open<T>(source: Observable<T>, subs: Subscription): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    subs.add(source.subscribe({ next: resolve, error: reject }));
  });
}

/** Resolves with the error the source fails with (rejects if it emits nothing but completes). */
export function errorOf(source: Observable<unknown>, subs?: Subscription): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = source.subscribe({
      error: resolve,
      complete: () => reject(new Error('completed without error')),
    });
    subs?.add(s);
  });
}

export interface Pair {
  readonly listener: TcpListener;
  readonly server: TcpConnection;
  readonly client: TcpConnection;
  readonly subs: Subscription;
}

/** A listener on loopback port 0 and one connection to it, both ends. */
export async function connectedPair(
  listenOptions: ListenTcpOptions = {},
  connectOptions: Partial<ConnectTcpOptions> = {},
): Promise<Pair> {
  const subs = new Subscription();
  live.add(subs);
  const listener = await open(listenTcp(listenOptions), subs);
  const accepted = open(listener.connections, subs);
  const client = await open(
    connectTcp({ host: listener.local.address, port: listener.local.port, ...connectOptions }),
    subs,
  );
  const server = await accepted;
  return { listener, server, client, subs };
}

/** Collects a byte stream into one Buffer. */
export function collect(bytes: Observable<Uint8Array>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    bytes.subscribe({
      next: (c) => chunks.push(c),
      error: reject,
      complete: () => resolve(Buffer.concat(chunks)),
    });
  });
}

export { advanceTo } from '@porta/core/testing';

/** Waits until `predicate` holds, polling on the event loop (bounded). */
export async function until(predicate: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface SelfSigned {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Why TLS tests cannot run here, or undefined when openssl is available. */
export const noOpenssl: string | undefined =
  spawnSync('openssl', ['version']).status === 0
    ? undefined
    : 'openssl is not installed: node:crypto cannot self-sign a certificate, so the TLS test has no certificate';

/** A self-signed certificate for 127.0.0.1 made now with openssl, in a temp dir removed after. */
export function selfSignedCert(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'porta-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=porta-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
