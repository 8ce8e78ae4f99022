import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { encodeString, portaChannels, type ServeEventMessage, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { decodePortaMessage, exponentialBackoff, replyTo, requester } from '@porta/reliability';
import { connectTcp, listenTcp } from '@porta/tcp';
import { bindUdp, connectUdp, udpTransport } from '@porta/udp';
import {
  firstValueFrom,
  ignoreElements,
  lastValueFrom,
  merge,
  mergeMap,
  switchMap,
  take,
  timeout,
} from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

trackHandles();
const ascii = (s: string) => encodeString(s, 'ascii');

const NAMES = [
  'porta:udp:bind',
  'porta:udp:close',
  'porta:tcp:connect',
  'porta:tcp:accept',
  'porta:tcp:close',
  'porta:serve:event',
  'porta:request:send',
  'porta:request:reply',
  'porta:request:reject',
] as const;

type Heard = { readonly channel: string; readonly message: Record<string, unknown> };

const listening: [string, (message: unknown) => void][] = [];
afterEach(() => {
  for (const [name, listener] of listening.splice(0)) unsubscribe(name, listener);
});

/** Subscribes to every porta channel until the test ends; returns what was published, in order. */
function listen(): Heard[] {
  const heard: Heard[] = [];
  for (const name of NAMES) {
    const listener = (message: unknown) =>
      heard.push({ channel: name, message: message as Record<string, unknown> });
    subscribe(name, listener);
    listening.push([name, listener]);
  }
  return heard;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('diagnostics channels', () => {
  it('porta:udp:bind and porta:udp:close carry the endpoints and the final counters', async () => {
    const heard = listen();
    const server = bindUdp().pipe(
      switchMap((s) => s.datagrams.pipe(mergeMap((d) => s.send(d.data, d.remote)))),
    );
    const sub = server.subscribe();
    await delay(20);
    const serverLocal = heard.find((h) => h.channel === 'porta:udp:bind')!.message.local as { port: number };
    const reply = await firstValueFrom(
      connectUdp({ address: '127.0.0.1', port: serverLocal.port }).pipe(
        switchMap((c) => merge(c.messages, c.send(ascii('ping')).pipe(ignoreElements()))),
        timeout(5_000),
      ),
    );
    sub.unsubscribe();
    expect(new TextDecoder().decode(reply)).toBe('ping');
    const udp = heard.filter((h) => h.channel.startsWith('porta:udp:'));
    expect(udp.map((h) => h.channel)).toEqual([
      'porta:udp:bind',
      'porta:udp:bind',
      'porta:udp:close',
      'porta:udp:close',
    ]);
    const [, clientBind, clientClose, serverClose] = udp;
    expect(clientBind!.message.remote).toMatchObject({ address: '127.0.0.1', port: serverLocal.port });
    expect(clientClose!.message.stats).toMatchObject({ sent: 1, received: 1, bytesSent: 4 });
    expect(serverClose!.message).toMatchObject({
      local: { port: serverLocal.port },
      stats: { sent: 1, received: 1 },
    });
    expect(serverClose!.message.remote).toBeUndefined();
  });

  it('porta:tcp:connect, porta:tcp:accept and porta:tcp:close describe both ends of one connection', async () => {
    const heard = listen();
    await lastValueFrom(
      listenTcp().pipe(
        switchMap((listener) =>
          merge(
            listener.connections.pipe(
              mergeMap((conn) =>
                conn.bytes.pipe(
                  take(1),
                  mergeMap((b) => conn.send(b)),
                  ignoreElements(),
                ),
              ),
            ),
            connectTcp({ host: '127.0.0.1', port: listener.local.port }).pipe(
              switchMap((conn) => conn.send(ascii('hello')).pipe(switchMap(() => conn.bytes))),
            ),
          ),
        ),
        take(1),
        timeout(5_000),
      ),
    );
    await delay(50);
    const tcp = heard.filter((h) => h.channel.startsWith('porta:tcp:'));
    const connect = tcp.find((h) => h.channel === 'porta:tcp:connect')!.message;
    const accept = tcp.find((h) => h.channel === 'porta:tcp:accept')!.message;
    expect(connect.local).toEqual(accept.remote);
    expect(connect.remote).toEqual(accept.local);
    expect(connect.tls).toBe(false);
    const closes = tcp.filter((h) => h.channel === 'porta:tcp:close').map((h) => h.message);
    expect(closes).toHaveLength(2);
    expect(closes.map((m) => [m.bytesRead, m.bytesWritten]).sort()).toEqual([
      [5, 5],
      [5, 5],
    ]);
  });

  it('porta:serve:event carries every ServerEvent with the transport and the endpoints', async () => {
    const heard = listen();
    const events = serve(udpTransport(), (peer) => peer.messages);
    const seen: string[] = [];
    const sub = events.subscribe((e) => seen.push(e.type));
    await delay(20);
    const listening = heard.find((h) => h.channel === 'porta:serve:event')!
      .message as unknown as ServeEventMessage;
    await firstValueFrom(
      connectUdp(
        listening.event.type === 'listening' ? listening.event.local : { address: '', port: 0 },
      ).pipe(
        switchMap((c) => merge(c.messages, c.send(ascii('echo')).pipe(ignoreElements()))),
        timeout(5_000),
      ),
    );
    sub.unsubscribe();
    const messages = heard
      .filter((h) => h.channel === 'porta:serve:event')
      .map((h) => h.message as unknown as ServeEventMessage);
    expect(messages.map((m) => m.event.type)).toEqual(seen);
    const opened = messages.find((m) => m.event.type === 'opened')!;
    expect(opened.transport).toBe('udp');
    expect(opened.local).toEqual(listening.event.type === 'listening' ? listening.event.local : undefined);
    expect(opened.remote?.address).toBe('127.0.0.1');
  });

  it('porta:request:send, :reply and :reject follow a request through a retransmission and a spoof', async () => {
    const heard = listen();
    const reply = await lastValueFrom(
      bindUdp().pipe(
        switchMap((server) =>
          merge(
            server.datagrams.pipe(
              mergeMap(({ data, remote }) => {
                const request = decodePortaMessage(data);
                if (request.attempt === 1) {
                  return bindUdp({ address: '127.0.0.3' }).pipe(
                    switchMap((stranger) => stranger.send(replyTo(request, ascii('FAKE')), remote)),
                    take(1),
                    ignoreElements(),
                  );
                }
                return server.send(replyTo(request, ascii('real')), remote).pipe(ignoreElements());
              }),
            ),
            // A first wait of 1 s, not the default 0.1 s: the stranger's socket is bound and its
            // forged reply sent inside it even on a loaded machine, so the order below is fixed.
            bindUdp().pipe(
              switchMap((client) =>
                requester(client, { retry: { policy: exponentialBackoff({ initialMs: 1_000 }) } }).request(
                  ascii('q'),
                  server.local,
                ),
              ),
            ),
          ),
        ),
        take(1),
        timeout(5_000),
      ),
    );
    expect(new TextDecoder().decode(reply)).toBe('real');
    const request = heard.filter((h) => h.channel.startsWith('porta:request:'));
    expect(request.map((h) => [h.channel, h.message.attempt ?? h.message.reason])).toEqual([
      ['porta:request:send', 1],
      ['porta:request:reject', 'wrongOrigin'],
      ['porta:request:send', 2],
      ['porta:request:reply', 2],
    ]);
    const [first, reject, , accepted] = request.map((h) => h.message);
    expect(first).toMatchObject({ waitMs: 1_000, remote: accepted!.remote });
    expect(reject!.remote).toMatchObject({ address: '127.0.0.3' });
    expect(accepted!.id).toBe(first!.id);
    expect(accepted!.durationMs).toBeGreaterThanOrEqual(1_000);
  });

  it('builds and publishes nothing while a channel has no subscriber', async () => {
    const spies = [portaChannels.udpBind, portaChannels.udpClose, portaChannels.serveEvent].map((c) =>
      vi.spyOn(c, 'publish'),
    );
    try {
      const events = await lastValueFrom(serve(udpTransport(), (peer) => peer.messages).pipe(take(1)));
      expect(events.type).toBe('listening');
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
