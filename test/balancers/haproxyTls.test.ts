// HAProxy `send-proxy` / `send-proxy-v2` to a TLS backend (`ssl verify none` on the server line):
// HAProxy writes the PROXY header in clear, then starts TLS on the same connection. porta's
// listenTcp({ tls, proxyProtocol }) reads the header first and hands the socket to TLS after it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackHandles } from '@porta/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { balancerDir, freePort, haproxySkipReason, removeDir, startHaproxy } from '../support/balancers.js';
import { lineRequest, startLineBackend } from './lineBackends.js';

const skip =
  haproxySkipReason() ??
  (spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed: no certificate');
if (skip) console.warn(`skipping HAProxy → TLS backend: ${skip}`);

trackHandles({ settleMs: 50 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A throwaway self-signed certificate (HAProxy is told `verify none`: the test is the framing). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'porta-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
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
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(skip !== undefined)(
  'HAProxy → PROXY header, then TLS → porta listenTcp({ tls, proxyProtocol })',
  () => {
    const tls = skip === undefined ? selfSigned() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

    for (const send of ['send-proxy', 'send-proxy-v2'] as const) {
      it(`serves each client by its real address over TLS (${send} ssl)`, { timeout: 60_000 }, async () => {
        const backend = await startLineBackend('b1', {
          host: '127.0.0.2',
          tls,
          proxyProtocol: { trusted: ['127.0.0.1'] },
        });
        cleanups.push(() => backend.kill());
        const dir = balancerDir('haproxy-tls');
        cleanups.push(() => removeDir(dir));
        const port = await freePort('127.0.0.1');
        const readyPort = await freePort('127.0.0.1');
        const haproxy = await startHaproxy(
          dir,
          `defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend porta_in
  bind 127.0.0.1:${port}
  default_backend porta
# Readiness is probed here, so the only connections the backend sees are the clients'.
frontend ready
  bind 127.0.0.1:${readyPort}
  tcp-request connection reject
backend porta
  server b1 127.0.0.2:${backend.listener.local.port} ${send} ssl verify none
`,
          { host: '127.0.0.1', port: readyPort },
        );
        cleanups.push(() => haproxy.stop());
        for (const from of ['127.0.0.10', '127.0.0.11']) {
          const { reply, localPort } = await lineRequest('127.0.0.1', port, from);
          // The backend names the peer it believes: the client, not HAProxy's 127.0.0.1.
          expect(reply).toBe(`b1 ${from}:${localPort}`);
        }
        expect(backend.listener.stats.proxyErrors).toBe(0);
      });
    }
  },
);
