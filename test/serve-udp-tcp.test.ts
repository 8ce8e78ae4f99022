import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { type Behaviour, encodeLines, lines, type ServeOptions, type ServerEvent, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { TransportPlugin } from '@porta/core/transport';
import { SimNetwork, simTransport } from '@porta/reliability';
import { tcpTransport } from '@porta/tcp';
import { udpTransport } from '@porta/udp';
import { filter, firstValueFrom, map, ReplaySubject, type Subscription, take, timeout, timer } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

trackHandles();

/** The one behaviour under test: it never learns which transport carries it. */
const echo: Behaviour = (peer) => peer.messages;

const servers: Subscription[] = [];
const sockets: (dgram.Socket | net.Socket)[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.unsubscribe();
  for (const s of sockets.splice(0)) {
    if (s instanceof net.Socket) s.destroy();
    else
      try {
        s.close();
      } catch {
        // already closed
      }
  }
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

/** A line protocol: each line is answered in capitals; the line `boom` makes the behaviour throw. */
const shout: Behaviour = (peer) =>
  peer.messages.pipe(
    lines({ encoding: 'utf8' }),
    map((line) => {
      if (line === 'boom') throw new Error(`boom from ${peer.id}`);
      return line.toUpperCase();
    }),
    encodeLines(),
  );

/** A UDP client that sends one line per datagram and waits for each answer. */
async function udpClient(port: number) {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const inbox: string[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    inbox.push(data.toString('utf8'));
    wake?.();
  });
  return {
    send: (line: string) => socket.send(`${line}\n`, port, '127.0.0.1'),
    ask: async (line: string) => {
      const had = inbox.length;
      socket.send(`${line}\n`, port, '127.0.0.1');
      while (inbox.length === had) await new Promise<void>((resolve) => (wake = resolve));
      return inbox.at(-1);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A TCP client that writes lines and reads answered lines. */
async function tcpClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = '';
  let closed = false;
  let wake: (() => void) | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  socket.on('error', () => {});
  return {
    send: (line: string) => socket.write(`${line}\n`),
    ask: async (line: string) => {
      socket.write(`${line}\n`);
      while (!buffered.includes('\n') && !closed) await new Promise<void>((resolve) => (wake = resolve));
      const at = buffered.indexOf('\n');
      const answer = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      return answer;
    },
    closed: async () => {
      while (!closed) await new Promise<void>((resolve) => (wake = resolve));
    },
    close: () => {
      socket.destroy();
    },
  };
}

describe('one actor throws on a message (real sockets)', () => {
  it('over TCP: that connection is stopped, every other connection keeps being served', async () => {
    const tcp = await start(tcpTransport({ host: '127.0.0.1', port: 0 }), shout);
    const clients = await Promise.all([tcpClient(tcp.port), tcpClient(tcp.port), tcpClient(tcp.port)]);
    const [a, b, c] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];
    expect(await a.ask('a1')).toBe('A1');
    expect(await b.ask('b1')).toBe('B1');
    a.send('boom');
    await a.closed(); // supervision (stop) closed a's connection
    expect(await b.ask('b2')).toBe('B2');
    expect(await c.ask('c1')).toBe('C1');
    const failed = await tcp.next('failed');
    expect(failed.type === 'failed' && failed.outcome).toBe('stop');
    for (const x of clients) x.close();
  });

  it('over UDP: that endpoint is restarted, every other endpoint keeps being served', async () => {
    const udp = await start(udpTransport({ address: '127.0.0.1', port: 0 }), shout, {
      supervision: 'restart',
    });
    const clients = await Promise.all([udpClient(udp.port), udpClient(udp.port), udpClient(udp.port)]);
    const [a, b, c] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];
    expect(await a.ask('a1')).toBe('A1\n');
    expect(await b.ask('b1')).toBe('B1\n');
    a.send('boom');
    await udp.next('restarted');
    expect(await b.ask('b2')).toBe('B2\n');
    expect(await c.ask('c1')).toBe('C1\n');
    expect(await a.ask('a2')).toBe('A2\n'); // a's actor runs again with fresh state
    await Promise.all(clients.map((x) => x.close()));
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
