import * as net from 'node:net';
import { type Behaviour, encodeLines, lines, type ServerEvent, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { TransportPlugin } from '@porta/core/transport';
import { type KcpSession, kcpConnect, kcpTransport } from '@porta/reliability';
import { tcpTransport } from '@porta/tcp';
import { bindUdp } from '@porta/udp';
import { filter, firstValueFrom, map, ReplaySubject, type Subscription, take, timeout } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

trackHandles();

const subscriptions: Subscription[] = [];
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const s of sockets.splice(0)) s.destroy();
});

/** A line protocol: each line answered in capitals; `boom` makes the actor throw. */
const shout: Behaviour = (peer) =>
  peer.messages.pipe(
    lines({ encoding: 'utf8' }),
    map((line) => {
      if (line === 'boom') throw new Error(`boom from ${peer.id}`);
      return line.toUpperCase();
    }),
    encodeLines(),
  );

async function start(transport: TransportPlugin) {
  const events = new ReplaySubject<ServerEvent>();
  subscriptions.push(serve(transport, shout).subscribe(events));
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
        timeout(10_000),
      ),
    );
  return { port: listening.local.port, next };
}

/** A line client over any byte stream: `write` sends, `ask` waits for the next answered line. */
function lineClient(write: (line: string) => void) {
  let buffered = '';
  let wake: (() => void) | undefined;
  return {
    feed: (chunk: Uint8Array) => {
      buffered += new TextDecoder().decode(chunk);
      wake?.();
    },
    send: (line: string) => write(`${line}\n`),
    ask: async (line: string) => {
      write(`${line}\n`);
      while (!buffered.includes('\n')) await new Promise<void>((resolve) => (wake = resolve));
      const at = buffered.indexOf('\n');
      const answer = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      return answer;
    },
  };
}

async function kcpClient(port: number) {
  const session = await new Promise<KcpSession>((resolve) => {
    subscriptions.push(
      bindUdp({ address: '127.0.0.1', port: 0 }).subscribe((socket) =>
        subscriptions.push(
          kcpConnect(socket, { address: '127.0.0.1', port, family: 'IPv4' }, { mode: 'fast3' }).subscribe(
            resolve,
          ),
        ),
      ),
    );
  });
  const client = lineClient((l) => session.send(new TextEncoder().encode(l)).subscribe());
  session.bytes.subscribe((c) => client.feed(c));
  return client;
}

async function tcpClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const client = lineClient((l) => socket.write(l));
  socket.on('data', (c) => client.feed(c));
  return client;
}

describe('serve over KCP: one actor per KCP session, as over TCP', () => {
  it('answers the same lines over KCP (real UDP on loopback) as over TCP, and a throwing actor stops only its own peer', async () => {
    const kcp = await start(kcpTransport(() => bindUdp({ address: '127.0.0.1', port: 0 })));
    const tcp = await start(tcpTransport({ host: '127.0.0.1', port: 0 }));
    const transcript = async (clients: Awaited<ReturnType<typeof kcpClient>>[]) => {
      const [a, b] = clients as [(typeof clients)[0], (typeof clients)[0]];
      const out = [await a.ask('olá'), await b.ask('mundo'), await a.ask('de novo')];
      a.send('boom');
      out.push(await b.ask('ainda aqui'));
      return out;
    };
    const overKcp = await transcript([await kcpClient(kcp.port), await kcpClient(kcp.port)]);
    const overTcp = await transcript([await tcpClient(tcp.port), await tcpClient(tcp.port)]);
    expect(overKcp).toEqual(['OLÁ', 'MUNDO', 'DE NOVO', 'AINDA AQUI']);
    expect(overKcp).toEqual(overTcp);
    const kcpFailed = await kcp.next('failed');
    const tcpFailed = await tcp.next('failed');
    expect(kcpFailed.type === 'failed' && [kcpFailed.peer.transport, kcpFailed.outcome]).toEqual([
      'kcp',
      'stop',
    ]);
    expect(tcpFailed.type === 'failed' && tcpFailed.outcome).toBe('stop');
  });
});
