import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { type Behaviour, type ServerEvent, serve, type TransportPlugin } from '@porta/core';
import { tcpTransport } from '@porta/tcp';
import { udpTransport } from '@porta/udp';
import { filter, firstValueFrom, ReplaySubject, type Subscription, take, timeout } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { trackHandles } from './support/handles.js';

trackHandles();

/** The one behaviour under test: it never learns which transport carries it. */
const echo: Behaviour = (peer) => peer.messages;

const servers: Subscription[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.unsubscribe();
});

/** Starts `echo` on a transport; resolves with its port and its (replayed) event stream. */
async function start(transport: TransportPlugin) {
  const events = new ReplaySubject<ServerEvent>();
  servers.push(serve(transport, echo).subscribe(events));
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

function tcpRoundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const client = net.connect({ host: '127.0.0.1', port }, () => client.write(message, () => client.end()));
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.once('error', reject);
    // The server echoes until our FIN, then its behaviour completes and it closes: EOF here.
    client.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
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
