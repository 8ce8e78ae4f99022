// The course's own UDP client through a real nginx (stream, UDP) to `porta udp-local server
// --workers 2`: the reply comes back through the balancer, the server sees nginx's address.
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  balancerDir,
  freePort as freeBalancerPort,
  NGINX_STREAM_MODULE,
  nginxSkipReason,
  removeDir,
  startNginx,
} from '../../test/support/balancers.js';
import { cleanUpChildren, freePort, porta, pythonDir, pythonSkipReason, start } from './support.js';

const skip = nginxSkipReason() ?? pythonSkipReason();
if (skip) console.warn(`skipping udp_local.py through nginx: ${skip}`);

cleanUpChildren();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(skip !== undefined)(
  'udp_local.py cliente → nginx (stream, UDP) → porta udp-local server --workers 2',
  () => {
    it('answers the course client through the balancer', { timeout: 120_000 }, async () => {
      const backendPort = await freePort('udp');
      const server = porta(['udp-local', 'server', '-p', String(backendPort), '--workers', '2']);
      await server.line(/Listening at IP and port/);
      const dir = balancerDir('nginx-course');
      cleanups.push(() => removeDir(dir));
      const port = await freeBalancerPort('127.0.0.1', 'udp');
      const nginx = await startNginx(
        dir,
        `load_module ${NGINX_STREAM_MODULE};
daemon off;
worker_processes 1;
error_log ${join(dir, 'error.log')} info;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 64; }
stream {
  upstream porta_udp {
    hash $remote_addr consistent;
    server 127.0.0.1:${backendPort};
  }
  server {
    listen 127.0.0.1:${port} udp;
    proxy_pass porta_udp;
    proxy_responses 1;
    proxy_timeout 2s;
  }
}
`,
        async () => {},
      );
      cleanups.push(() => nginx.stop());
      // Workers start after the primary prints its listening line; a datagram before that is dropped
      // and counted, so wait for both to be up.
      const deadline = Date.now() + 60_000;
      while (server.stderr.filter((l) => /worker \d ready/.test(l)).length < 2) {
        if (Date.now() > deadline) throw new Error(`workers did not start: ${server.stderr.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500)); // nginx's worker, forked after its master started
      const client = start('python3', [resolve(pythonDir, 'udp_local.py'), 'cliente', '-p', String(port)]);
      const reply = await client.line(/Cliente >> O servidor .* respondeu/, 30_000);
      expect(reply).toContain(`('127.0.0.1', ${port})`);
      expect(reply).toMatch(/O dado enviado possui comprimento de \d+ bytes/);
      // The server saw nginx's address, not the Python client's: UDP carries no PROXY header.
      expect(await server.line(/The client at IP and port/)).toMatch(/\('127\.0\.0\.1', \d+\)/);
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });
  },
);
