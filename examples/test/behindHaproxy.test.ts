// The course's own client through a real HAProxy to `porta tcp-16 server --trust-proxy`: the
// server prints the course's "accepted a connection from" with the client's address, not HAProxy's.
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Balancer,
  balancerDir,
  freePort,
  haproxySkipReason,
  removeDir,
  startHaproxy,
  waitForTcp,
} from '../../test/support/balancers.js';
import { cleanUpChildren, porta, pythonDir, pythonSkipReason, start } from './support.js';

const skip = haproxySkipReason() ?? pythonSkipReason();
if (skip) console.warn(`skipping tcp_exemplo.py through HAProxy: ${skip}`);

cleanUpChildren();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(skip !== undefined)(
  'tcp_exemplo.py cliente → HAProxy → porta tcp-16 server --trust-proxy',
  () => {
    for (const send of ['send-proxy', 'send-proxy-v2'] as const) {
      it(`prints the Python client's own address and port (${send})`, { timeout: 60_000 }, async () => {
        const backendPort = await freePort('127.0.0.2');
        const server = porta([
          'tcp-16',
          'server',
          '127.0.0.2',
          '-p',
          String(backendPort),
          '--trust-proxy',
          '127.0.0.1',
        ]);
        await server.line(/Listening at/);
        const dir = balancerDir('haproxy-course');
        cleanups.push(() => removeDir(dir));
        const port = await freePort('127.0.0.1');
        const haproxy: Balancer = await startHaproxy(
          dir,
          `defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend course
  bind 127.0.0.1:${port}
  default_backend porta
backend porta
  server tcp16 127.0.0.2:${backendPort} ${send}
`,
          { host: '127.0.0.1', port },
        );
        cleanups.push(() => haproxy.stop());
        await waitForTcp('127.0.0.2', backendPort, 'porta');
        const client = start('python3', [
          resolve(pythonDir, 'tcp_exemplo.py'),
          'cliente',
          '127.0.0.1',
          '-p',
          String(port),
        ]);
        const named = await client.line(/O cliente recebeu um nome de socket/);
        expect(await client.line(/O servidor diz b'Fechado, cliente'/)).toBeDefined();
        const clientPort = /\('127\.0\.0\.1', (\d+)\)/.exec(named)?.[1] ?? 'none';
        // The server's "accepted" line names the Python client's socket, not HAProxy's connection.
        const accepted = await server.line(
          new RegExp(`accepted a connection from \\('127\\.0\\.0\\.1', ${clientPort}\\)`),
        );
        expect(accepted).toContain(clientPort);
        expect(await client.exited).toBe(0);
      });
    }
  },
);

const haproxySkip = haproxySkipReason();

describe.skipIf(haproxySkip !== undefined)(
  'a client on 127.0.0.10 → HAProxy → porta tic-tac-toe server --trust-proxy',
  () => {
    it(
      "plays against the client's own address and port, not HAProxy's (send-proxy-v2)",
      { timeout: 60_000 },
      async () => {
        const backendPort = await freePort('127.0.0.2');
        const server = porta([
          'tic-tac-toe',
          'server',
          '127.0.0.2',
          '-p',
          String(backendPort),
          '--trust-proxy',
          '127.0.0.1',
        ]);
        cleanups.push(() => {
          server.process.kill('SIGTERM');
        });
        await server.line(/Waiting for an opponent at/);
        const dir = balancerDir('haproxy-tictactoe');
        cleanups.push(() => removeDir(dir));
        const port = await freePort('127.0.0.1');
        const readyPort = await freePort('127.0.0.1');
        const haproxy: Balancer = await startHaproxy(
          dir,
          `defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend game
  bind 127.0.0.1:${port}
  default_backend porta
# Readiness is probed here: a probe through "game" would be the server's one opponent.
frontend ready
  bind 127.0.0.1:${readyPort}
  tcp-request connection reject
backend porta
  server ttt 127.0.0.2:${backendPort} send-proxy-v2
`,
          { host: '127.0.0.1', port: readyPort },
        );
        cleanups.push(() => haproxy.stop());
        // A player on "another machine": its own loopback address, its own port.
        const player = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.10' });
        cleanups.push(() => {
          player.destroy();
        });
        const welcome = await new Promise<string>((done, fail) => {
          const timer = setTimeout(() => fail(new Error('no welcome from the server')), 20_000);
          player.once('error', fail);
          player.once('data', (d) => {
            clearTimeout(timer);
            done(d.toString());
          });
        });
        expect(welcome).toMatch(/welcome/i);
        const playerPort = player.localPort;
        const playing = await server.line(/Playing against/);
        expect(playing).toBe(`Tic-tac-toe >> Playing against ('127.0.0.10', ${playerPort}); you are X`);
      },
    );
  },
);
