import * as dgram from 'node:dgram';
import * as net from 'node:net';
import {
  type Behaviour,
  type ServeOptions,
  type ServerEvent,
  serve,
  type TransportPlugin,
} from '@porta/core';
import { SimNetwork, simTransport } from '@porta/reliability';
import { tcpTransport } from '@porta/tcp';
import { udpTransport } from '@porta/udp';
import { filter, firstValueFrom, map, ReplaySubject, type Subscription, take, timeout, timer } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { trackHandles } from './support/handles.js';

trackHandles();

/** The one behaviour under test: it never learns which transport carries it. */
const echo: Behaviour = (peer) => peer.messages;

const servers: Subscription[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.unsubscribe();
});

/** Starts a behaviour (`echo` by default) on a transport; resolves with its port and its (replayed) events. */
async function start(transport: TransportPlugin, behaviour = echo, options: ServeOptions = {}) {
  const events = new ReplaySubject<ServerEvent>();
  servers.push(serve(transport, behaviour, options).subscribe(events));
  const listening = await firstValueFrom(
    events.pipe(
      filter((e) => e.type === 'listening'),
      timeout(5_000),
    ),
  );
  const next = (type: ServerEvent['type']) =>
    firstValueFrom(
      events.pipe(
        filter((e) => e.type === type),
        take(1),
        timeout(5_000),
      ),
    );
  return { port: listening.local.port, events, next };
}

function udpRoundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = dgram.createSocket('udp4');
    client.once('error', (err) => {
      client.close();
      reject(err);
    });
    client.once('message', (data) => {
      client.close();
      resolve(data.toString('utf8'));
    });
    client.send(message, port, '127.0.0.1');
  });
}

function tcpExchange(port: number, message: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const client = net.connect({ host: '127.0.0.1', port }, () => client.write(message, () => client.end()));
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.once('error', reject);
    // The server echoes until our FIN, then its behaviour completes and it closes: EOF here.
    client.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function tcpRoundTrip(port: number, message: string): Promise<string> {
  return (await tcpExchange(port, Buffer.from(message, 'utf8'))).toString('utf8');
}

describe('one behaviour, every transport', () => {
  it('the same echo behaviour, unchanged, answers over UDP and over TCP on loopback', async () => {
    const udp = await start(udpTransport({ address: '127.0.0.1', port: 0 }));
    const tcp = await start(tcpTransport({ host: '127.0.0.1', port: 0 }));
    expect(udp.port).toBeGreaterThan(0);
    expect(tcp.port).toBeGreaterThan(0);

    const [udpReply, tcpReply] = await Promise.all([
      udpRoundTrip(udp.port, 'olá por UDP'),
      tcpRoundTrip(tcp.port, 'olá por TCP'),
    ]);
    expect(udpReply).toBe('olá por UDP');
    expect(tcpReply).toBe('olá por TCP');

    const udpOpened = await udp.next('opened');
    const tcpClosed = await tcp.next('closed');
    expect(udpOpened.type === 'opened' && udpOpened.peer.transport).toBe('udp');
    expect(tcpClosed.type === 'closed' && [tcpClosed.peer.transport, tcpClosed.reason]).toEqual([
      'tcp',
      'completed',
    ]);
  });
});

describe('the simulated network', () => {
  it('runs the same echo behaviour in virtual time, one actor per remote endpoint, retired when idle', () => {
    const net = new SimNetwork({ seed: 7, defaultLink: { delayMs: 20 } });
    const events: ServerEvent[] = [];
    const server = serve(simTransport(net, { address: '10.0.0.1', port: 1060 }), echo, {
      idleTimeoutMs: 5_000,
      scheduler: net.scheduler,
    }).subscribe((e) => events.push(e));
    const replies: string[] = [];
    const clients = [1, 2].map((n) =>
      net.bind({ address: `10.0.0.${n + 1}` }).subscribe((socket) => {
        socket.datagrams.subscribe((d) => replies.push(`${n}:${Buffer.from(d.data).toString('utf8')}`));
        socket
          .send(Buffer.from(`hello from ${n}`), { address: '10.0.0.1', port: 1060, family: 'IPv4' })
          .subscribe();
      }),
    );
    net.advanceBy(100);
    expect(replies.sort()).toEqual(['1:hello from 1', '2:hello from 2']);
    net.advanceBy(10_000);
    expect(events.filter((e) => e.type === 'idle')).toHaveLength(2);
    expect(
      events.filter((e) => e.type === 'opened').map((e) => e.type === 'opened' && e.peer.transport),
    ).toEqual(['sim', 'sim']);
    for (const c of clients) c.unsubscribe();
    server.unsubscribe();
  });
});

describe('backpressure over a real TCP socket', () => {
  it('a slow actor pauses the socket at its high-water mark and still echoes every byte', async () => {
    // One message at a time, each answered on a later macrotask: slower than loopback delivers.
    const slowEcho: Behaviour = (peer) => peer.handle((chunk) => timer(0).pipe(map(() => chunk)));
    const tcp = await start(tcpTransport({ host: '127.0.0.1', port: 0 }), slowEcho, {
      mailbox: { capacity: 8, highWaterMark: 4, lowWaterMark: 1 },
    });
    const payload = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const echoed = await tcpExchange(tcp.port, payload);
    expect(echoed.length).toBe(payload.length);
    expect(Buffer.compare(echoed, payload)).toBe(0);
    const closed = await tcp.next('closed');
    expect(closed.stats.paused).toBeGreaterThan(0);
    expect(closed.stats.dropped).toBe(0);
    expect(closed.stats.bytesIn).toBe(payload.length);
  });
});
