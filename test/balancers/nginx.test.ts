// porta UDP backends behind a real nginx stream proxy (`hash $remote_addr consistent`), on
// loopback: backends on 127.0.0.2/127.0.0.3, clients bound on 127.0.0.10 and up.
import dgram from 'node:dgram';
import { join } from 'node:path';
import type { Datagram } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { sign, verify } from '@porta/reliability';
import { bindUdp, type UdpSocket } from '@porta/udp';
import { concatMap, from, lastValueFrom, map, Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  balancerDir,
  freePort,
  NGINX_STREAM_MODULE,
  nginxSkipReason,
  removeDir,
  startNginx,
} from '../support/balancers.js';

const skip = nginxSkipReason();
if (skip) console.warn(`skipping the nginx tests: ${skip}`);

trackHandles({ settleMs: 100 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const key = new Uint8Array(32).fill(7);
const text = new TextDecoder();

interface UdpBackend {
  readonly name: string;
  readonly socket: UdpSocket;
  readonly seen: Set<string>;
  kill(): void;
}

/**
 * A porta UDP backend: verifies porta's signed header and answers `name sender-id remote`. The
 * sender id is read from the header's bytes 2–9 (the layout at `AUTH_HEADER_LENGTH`), and is
 * authentic once `verify` has passed the datagram on.
 */
function startBackend(name: string, address: string): Promise<UdpBackend> {
  return new Promise((resolve, reject) => {
    const subs = new Subscription();
    const seen = new Set<string>();
    subs.add(
      bindUdp({ address }).subscribe({
        error: reject,
        next: (socket) => {
          subs.add(
            socket.datagrams
              .pipe(
                map((d) => ({
                  ...d,
                  senderId: new DataView(d.data.buffer, d.data.byteOffset).getBigUint64(2),
                })),
                verify<Datagram & { readonly senderId: bigint }>(key),
                concatMap((d) => {
                  seen.add(d.remote.address);
                  const reply = `${name} ${d.senderId} ${d.remote.address}`;
                  return socket.send(new TextEncoder().encode(reply), d.remote);
                }),
              )
              .subscribe({ error: () => {} }),
          );
          resolve({ name, socket, seen, kill: () => subs.unsubscribe() });
        },
      }),
    );
  });
}

let nextCounter = BigInt(Date.now()) * 1000n;

/** One signed request from `address` with sender id `id`, retried every 300 ms up to `tries` times. */
async function request(target: number, address: string, id: bigint, tries = 10): Promise<string> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((done) => client.bind(0, address, done));
  try {
    for (let i = 0; i < tries; i++) {
      // Signed afresh each attempt: a resent copy would be a replay, and rightly refused.
      const signed = await lastValueFrom(
        from([new TextEncoder().encode('hello')]).pipe(
          sign(key, { senderId: id, firstCounter: nextCounter++ }),
        ),
      );
      const reply = new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 300);
        client.once('message', (m) => {
          clearTimeout(timer);
          resolve(text.decode(m));
        });
      });
      client.send(signed, target, '127.0.0.1');
      const answer = await reply;
      // A backend's answer is never empty: an empty datagram (seen while nginx's upstream was down)
      // is no answer.
      if (answer !== undefined && answer !== '') return answer;
    }
    throw new Error(`no answer for ${address} after ${tries} tries`);
  } finally {
    client.removeAllListeners('message');
    await new Promise<void>((done) => client.close(() => done()));
  }
}

async function setup() {
  const b1 = await startBackend('b1', '127.0.0.2');
  const b2 = await startBackend('b2', '127.0.0.3');
  cleanups.push(
    () => b1.kill(),
    () => b2.kill(),
  );
  const dir = balancerDir('nginx');
  cleanups.push(() => removeDir(dir));
  const port = await freePort('127.0.0.1', 'udp');
  const config = `load_module ${NGINX_STREAM_MODULE};
daemon off;
worker_processes 1;
error_log ${join(dir, 'error.log')} info;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 256; }
stream {
  upstream porta_udp {
    hash $remote_addr consistent;
    server 127.0.0.2:${b1.socket.local.port} max_fails=1 fail_timeout=10s;
    server 127.0.0.3:${b2.socket.local.port} max_fails=1 fail_timeout=10s;
  }
  server {
    listen 127.0.0.1:${port} udp;
    proxy_pass porta_udp;
    proxy_responses 1;
    proxy_timeout 250ms;
  }
}
`;
  const nginx = await startNginx(dir, config, async () => {
    // Ready once a request goes through (nginx has no TCP port here to poll).
    await request(port, '127.0.0.10', 1n, 30);
  });
  cleanups.push(() => nginx.stop());
  return { port, backends: [b1, b2], nginx };
}

describe.skipIf(skip !== undefined)('porta UDP behind nginx (stream, hash $remote_addr consistent)', () => {
  it("keeps each client on one backend; backends see nginx's address, the signed header names the client", async () => {
    const { port, backends } = await setup();
    const home = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 16; i++) {
        const address = `127.0.0.${10 + i}`;
        const id = BigInt(1000 + i);
        const [name, sender, seenAs] = (await request(port, address, id)).split(' ');
        expect(sender).toBe(String(id));
        // The backend's UDP peer is nginx, not the client: only the signed header carries who it is.
        expect(seenAs).toBe('127.0.0.1');
        home.set(address, (home.get(address) ?? new Set()).add(name!));
      }
    }
    for (const [address, names] of home) expect([address, names.size]).toEqual([address, 1]);
    const counts = backends.map((b) => [...home.values()].filter((n) => n.has(b.name)).length);
    console.log(`nginx stickiness: 16 clients × 3 rounds, clients per backend ${counts.join('/')}`);
    expect(counts.every((n) => n > 0)).toBe(true);
    for (const b of backends) expect([...b.seen]).toEqual(['127.0.0.1']);
  });

  it("moves a dead backend's clients to the other one", async () => {
    const { port, backends } = await setup();
    const homes = new Map<string, string>();
    for (let i = 0; i < 16; i++) {
      const address = `127.0.0.${10 + i}`;
      homes.set(address, (await request(port, address, BigInt(i))).split(' ')[0]!);
    }
    const victim = backends.find((b) => [...homes.values()].includes(b.name))!;
    const survivor = backends.find((b) => b !== victim)!;
    victim.kill();
    let moved = 0;
    for (const [address, name] of homes) {
      const answer = (await request(port, address, 99n, 20)).split(' ')[0];
      expect(answer).toBe(survivor.name);
      if (name === victim.name) moved++;
    }
    console.log(`nginx failover: ${moved} of 16 clients moved from ${victim.name} to ${survivor.name}`);
    expect(moved).toBeGreaterThan(0);
  });
});
