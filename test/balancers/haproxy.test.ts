// porta behind a real HAProxy (mode tcp, PROXY protocol v1 and v2), on loopback: backends on
// 127.0.0.2/127.0.0.3/127.0.0.4, clients bound on 127.0.0.10 and up, every port found by binding 0.
import { join } from 'node:path';
import { trackHandles } from '@porta/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Balancer,
  balancerDir,
  freePort,
  haproxyCommand,
  haproxySkipReason,
  removeDir,
  startHaproxy,
} from '../support/balancers.js';
import { type LineBackend, lineRequest, runLoad, startLineBackend } from './lineBackends.js';

const skip = haproxySkipReason();
if (skip) console.warn(`skipping the HAProxy tests: ${skip}`);

trackHandles({ settleMs: 50 });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly frontend: { readonly host: string; readonly port: number };
  readonly backends: LineBackend[];
  readonly haproxy: Balancer;
  readonly dir: string;
  readonly adminSocket: string;
  readonly config: string;
}

function haproxyConfig(dir: string, port: number, backends: readonly LineBackend[], send: string): string {
  const servers = backends
    .map(
      (b) =>
        `  server ${b.name} ${b.listener.local.address}:${b.listener.local.port} ${send} check check-send-proxy inter 100ms fall 1 rise 2`,
    )
    .join('\n');
  return `global
  nbthread 1
  log stderr format raw local0 info
  stats socket ${join(dir, 'admin.sock')} mode 600 level admin expose-fd listeners

defaults
  mode tcp
  log global
  option tcplog
  timeout connect 1s
  timeout client 5s
  timeout server 5s
  retries 3
  option redispatch 1

frontend porta_in
  bind 127.0.0.1:${port}
  default_backend porta

backend porta
  balance roundrobin
${servers}
`;
}

async function setup(
  count: number,
  send: 'send-proxy' | 'send-proxy-v2',
  answerDelaysMs: readonly number[] = [],
): Promise<Setup> {
  const backends: LineBackend[] = [];
  for (let i = 0; i < count; i++) {
    const backend = await startLineBackend(
      `b${i + 1}`,
      {
        host: `127.0.0.${2 + i}`,
        // HAProxy reaches 127.0.0.2+ from 127.0.0.1: the one source trusted to name clients.
        proxyProtocol: { trusted: ['127.0.0.1'] },
      },
      answerDelaysMs[i] ?? 20,
    );
    backends.push(backend);
    cleanups.push(() => backend.kill());
  }
  const dir = balancerDir('haproxy');
  cleanups.push(() => removeDir(dir));
  const port = await freePort('127.0.0.1');
  const config = haproxyConfig(dir, port, backends, send);
  const frontend = { host: '127.0.0.1', port };
  const haproxy = await startHaproxy(dir, config, frontend);
  cleanups.push(() => haproxy.stop());
  // Every server's first health checks must pass before round robin uses them all.
  await waitUntil(async () => {
    // The runtime API's socket may appear a moment after the frontend listens.
    const stat = await haproxyCommand(join(dir, 'admin.sock'), 'show servers state porta').catch(() => '');
    return backends.every((b) => new RegExp(`\\b${b.name}\\s+\\S+\\s+2\\b`).test(stat));
  }, 'every server up');
  return { frontend, backends, haproxy, dir, adminSocket: join(dir, 'admin.sock'), config };
}

async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  limitMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function perBackend(replies: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const reply of replies) {
    const name = reply.split(' ')[0]!;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(skip !== undefined)('porta behind HAProxy (mode tcp, PROXY protocol)', () => {
  for (const send of ['send-proxy', 'send-proxy-v2'] as const) {
    it(`recovers each client's real address and port through ${send}, and spreads requests round robin`, async () => {
      const { frontend, backends } = await setup(2, send);
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        const client = `127.0.0.${10 + i}`;
        const { reply, localPort } = await lineRequest(frontend.host, frontend.port, client);
        // Not HAProxy's 127.0.0.1: the client's own address and port, from the header.
        expect(reply).toMatch(new RegExp(`^b[12] ${client.replaceAll('.', '\\.')}:${localPort}$`));
        seen.push(reply);
      }
      const counts = perBackend(seen);
      expect(counts.get('b1')).toBe(3);
      expect(counts.get('b2')).toBe(3);
      // Health checks arrive as LOCAL headers (check-send-proxy): accepted, never a PROXY error.
      for (const b of backends) expect(b.listener.stats.proxyErrors).toBe(0);
    });
  }

  it('fails over when a backend is killed mid-run: no request lost beyond those in flight on it', async () => {
    const { frontend, backends } = await setup(3, 'send-proxy-v2');
    const victim = backends[1]!;
    let inFlightAtKill = -1;
    const { ok, failed } = await runLoad(frontend, 150, 6, (completed) => {
      if (completed === 50) {
        inFlightAtKill = victim.listener.stats.open;
        victim.kill();
      }
    });
    console.log(
      `haproxy failover: ${ok.length} ok, ${failed.length} failed of 150; ${inFlightAtKill} connections open on the killed backend; per backend ${JSON.stringify([...perBackend(ok)])}`,
    );
    expect(ok.length + failed.length).toBe(150);
    expect(failed.length).toBeLessThanOrEqual(Math.max(inFlightAtKill, 0));
    // The survivors took the rest.
    const counts = perBackend(ok);
    expect((counts.get('b1') ?? 0) + (counts.get('b3') ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it("drains a backend's graceful shutdown under load with zero failed requests", async () => {
    // The leaving backend is slow, so requests are still in flight on it when it shuts down.
    const { frontend, backends, adminSocket } = await setup(2, 'send-proxy-v2', [20, 600]);
    const leaving = backends[1]!;
    let drained: Promise<void> | undefined;
    let servedByLeavingAtShutdown = 0;
    const { ok, failed } = await runLoad(frontend, 120, 6, async (completed) => {
      if (completed === 40) {
        // The operator's sequence: HAProxy stops sending new clients, then porta finishes its own.
        await haproxyCommand(adminSocket, 'set server porta/b2 state drain');
        // A connection HAProxy had already begun to b2 still lands in b2's accept queue; closing
        // the listening socket under it would reset it. Shut down once new connections stop.
        // (Requests, not connections: HAProxy's health checks go on while it drains.)
        let requests = -1;
        while (leaving.served() + leaving.inFlight() !== requests) {
          requests = leaving.served() + leaving.inFlight();
          await new Promise((r) => setTimeout(r, 200));
        }
        servedByLeavingAtShutdown = leaving.served();
        drained = leaving.shutdown(5_000);
      }
    });
    await drained;
    console.log(
      `haproxy drain: ${ok.length} ok, ${failed.length} failed of 120; the leaving backend answered ${leaving.served()} (${leaving.served() - servedByLeavingAtShutdown} after its shutdown began)`,
    );
    expect(failed).toEqual([]);
    expect(ok).toHaveLength(120);
    expect(leaving.inFlight()).toBe(0);
    expect(leaving.served()).toBeGreaterThan(servedByLeavingAtShutdown);
  });

  it('loses nothing across an HAProxy reload (-sf, listeners handed over with -x)', async () => {
    const { frontend, dir, adminSocket, config, haproxy } = await setup(2, 'send-proxy-v2');
    let next: Balancer | undefined;
    let reloading: Promise<void> | undefined;
    const { ok, failed } = await runLoad(frontend, 120, 6, (completed) => {
      if (completed === 40) {
        reloading = (async () => {
          next = await startHaproxy(
            dir,
            config,
            frontend,
            ['-sf', String(haproxy.process.pid), '-x', adminSocket],
            'haproxy-2.cfg',
          );
          cleanups.push(() => next!.stop());
        })();
      }
    });
    await reloading;
    // The old process finishes its connections and leaves by itself.
    await waitUntil(
      () => haproxy.process.exitCode !== null || haproxy.process.signalCode !== null,
      'the old haproxy to exit',
    );
    console.log(`haproxy reload: ${ok.length} ok, ${failed.length} failed of 120`);
    expect(failed).toEqual([]);
    expect(next).toBeDefined();
  });
});
