import dgram from 'node:dgram';
import { type ServerEvent, serve } from '@porta/core';
import { advanceTo, liveTimers, trackHandles } from '@porta/core/testing';
import { udpTransport } from '@porta/udp';
import { type Subscription, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

trackHandles();
const running: Subscription[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) s.unsubscribe();
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

/** Waits (bounded by wall time) until `condition` holds. */
async function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A raw client socket bound on `address` (127.x: another "machine" on loopback), recording what it gets. */
async function client(address: string): Promise<{ socket: dgram.Socket; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString('latin1')));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, received };
}

/** Starts an echo server; resolves with its port and the event log once it listens. */
async function echoServer(
  options: Parameters<typeof serve>[2],
): Promise<{ port: number; events: ServerEvent[] }> {
  const events: ServerEvent[] = [];
  running.push(
    serve(udpTransport({ port: 0 }), (peer) => peer.messages, options).subscribe((e) => events.push(e)),
  );
  await until(() => events.length > 0, 'listening');
  const listening = events[0];
  if (listening?.type !== 'listening') throw new Error('expected listening first');
  return { port: listening.local.port, events };
}

const CLIENTS = 96;
const IN_FLIGHT = 8;
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

describe('udpTransport with many peers on loopback', () => {
  it(`gives each of ${CLIENTS} clients (three source addresses) its own actor and only its own echoes`, async () => {
    const { port, events } = await echoServer({ idleTimeoutMs: 60_000 });
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => client(ADDRESSES[i % ADDRESSES.length]!)),
    );
    clients.forEach(({ socket }, c) => {
      for (let k = 0; k < IN_FLIGHT; k++) socket.send(`${c}:${k}`, port, '127.0.0.1');
    });
    await until(() => clients.every((c) => c.received.length === IN_FLIGHT), 'every echo');
    clients.forEach(({ received }, c) => {
      // Each actor answers its own peer in order.
      expect(received).toEqual(Array.from({ length: IN_FLIGHT }, (_, k) => `${c}:${k}`));
    });
    const opened = events.filter((e) => e.type === 'opened');
    expect(opened).toHaveLength(CLIENTS);
    const remotes = new Set(
      opened.map((e) => (e.type === 'opened' ? `${e.peer.remote.address}:${e.peer.remote.port}` : '')),
    );
    expect(remotes.size).toBe(CLIENTS);
    expect(new Set(opened.map((e) => (e.type === 'opened' ? e.peer.remote.address : '')))).toEqual(
      new Set(ADDRESSES),
    );
  });

  it('retires every idle peer after idleTimeoutMs on one timer (virtual time), and a peer that speaks again gets a new actor', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { port, events } = await echoServer({ idleTimeoutMs: 1_000, scheduler });
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => client(ADDRESSES[i % 2]!)));
    for (const { socket } of clients) socket.send('hello', port, '127.0.0.1');
    await until(() => clients.every((c) => c.received.length === 1), 'every echo');
    expect(liveTimers(scheduler)).toBe(1);
    advanceTo(scheduler, 999);
    expect(events.filter((e) => e.type === 'idle')).toHaveLength(0);
    advanceTo(scheduler, 1_000);
    expect(events.filter((e) => e.type === 'idle')).toHaveLength(40);
    expect(liveTimers(scheduler)).toBe(0);
    clients[0]!.socket.send('again', port, '127.0.0.1');
    await until(() => clients[0]!.received.length === 2, 'the echo of a returning peer');
    expect(events.filter((e) => e.type === 'opened')).toHaveLength(41);
  });
});
