import { serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { PeerLink, TransportEvent } from '@porta/core/transport';
import { lastValueFrom, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { connectTcp, tcpTransport } from '../src/index.js';
import { collect, open, until } from './support.js';

trackHandles();

const text = (s: string) => new TextEncoder().encode(s);

describe('tcpTransport', () => {
  it('emits listening, one pausable peer per connection, and rejected for connections over the limit', async () => {
    const subs = new Subscription();
    const events: TransportEvent[] = [];
    const transport = tcpTransport({ maxConnections: 1 });
    expect(transport.name).toBe('tcp');
    subs.add(transport.open().subscribe((e) => events.push(e)));
    await until(() => events.length === 1, 'listening');
    const listening = events[0];
    if (listening?.type !== 'listening') throw new Error('first event must be listening');
    const port = listening.local.port;

    const client = await open(connectTcp({ host: '127.0.0.1', port }), subs);
    await until(() => events.some((e) => e.type === 'peer'), 'peer');
    const peer = events.find((e): e is Extract<TransportEvent, { type: 'peer' }> => e.type === 'peer');
    const link: PeerLink = peer!.link;
    expect(link.pause).toBeTypeOf('function');
    expect(link.resume).toBeTypeOf('function');
    expect(link.remote).toEqual(client.local);
    expect(link.id).toBe(`tcp:127.0.0.1:${client.local.port}`);

    // Over the limit: closed at once and reported.
    const second = await open(connectTcp({ host: '127.0.0.1', port }), subs);
    await collect(second.bytes);
    await until(() => events.some((e) => e.type === 'rejected'), 'rejected');
    const rejected = events.find((e) => e.type === 'rejected');
    expect(rejected).toMatchObject({ type: 'rejected', remote: second.local });

    // pause() stops delivery; resume() restarts it, nothing lost.
    const received: number[] = [];
    subs.add(link.inbound.subscribe((c) => received.push(...c)));
    link.pause?.();
    await lastValueFrom(client.send(Uint8Array.of(1, 2, 3)));
    await new Promise((r) => setTimeout(r, 30));
    expect(received).toEqual([]);
    link.resume?.();
    await until(() => received.length === 3, 'bytes after resume');
    expect(received).toEqual([1, 2, 3]);

    const reply = collect(client.bytes);
    await lastValueFrom(link.send(Uint8Array.of(9)));
    link.end();
    expect([...(await reply)]).toEqual([9]);
    subs.unsubscribe();
  });

  it('runs an actor runtime behaviour unchanged: an echo server over TCP', async () => {
    const subs = new Subscription();
    const port = await new Promise<number>((resolve, reject) =>
      subs.add(
        serve(tcpTransport(), (peer) => peer.messages).subscribe({
          next: (e) => {
            if (e.type === 'listening') resolve(e.local.port);
          },
          error: reject,
        }),
      ),
    );
    const client = await open(connectTcp({ host: '127.0.0.1', port }), subs);
    const echoed = collect(client.bytes);
    await lastValueFrom(client.send(text('Enviei, servidor')));
    client.end();
    // The echo actor finishes when its inbound does, and the runtime closes the link.
    expect(new TextDecoder().decode(await echoed)).toBe('Enviei, servidor');
    subs.unsubscribe();
  });
});
