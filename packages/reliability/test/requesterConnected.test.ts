import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { type ConnectedUdpSocket, connectUdp } from '@porta/udp';
import { firstValueFrom, lastValueFrom, type Subscription, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { requester, serveRequests } from '../src/index.js';
import { type Opened, openUdp, requestInVirtualTime, waitFor } from './courseSupport.js';
import { ascii, text } from './requesterSupport.js';

trackHandles();

const opened: { unsubscribe(): void }[] = [];
afterEach(() => {
  for (const s of opened.splice(0).reverse()) s.unsubscribe();
});

async function server(): Promise<Opened> {
  const s = await openUdp();
  opened.push({ unsubscribe: s.close });
  return s;
}

function connect(to: Opened): Promise<ConnectedUdpSocket> {
  return new Promise((resolve, reject) => {
    const sub: Subscription = connectUdp(to.socket.local).subscribe({ next: resolve, error: reject });
    opened.push(sub);
  });
}

describe('requester over connectUdp’s connected socket (real loopback)', () => {
  it('porta mode: request(payload) with no destination goes to the remote and gets its reply', async () => {
    const s = await server();
    opened.push(serveRequests(s.socket, (payload) => text(`re:${ascii(payload)}`)).subscribe());
    const client = requester(await connect(s));
    const reply = await firstValueFrom(client.request(text('hello')));
    expect(ascii(reply)).toBe('re:hello');
    expect(client.stats).toMatchObject({ requests: 1, sent: 1, accepted: 1, wrongOrigin: 0 });
  });

  it('plain mode (the course’s servers): a dropped request is retried on the virtual schedule', async () => {
    const s = await server();
    let handled = 0;
    let replied = 0;
    opened.push(
      s.socket.datagrams.subscribe((d) => {
        handled += 1;
        // Pretends to drop the first request, as udp_remote.py does with half of them.
        if (handled === 1) return;
        replied += 1;
        s.socket.send(text(`${d.data.length} bytes`), d.remote).subscribe();
      }),
    );
    const scheduler = new VirtualTimeScheduler();
    const client = requester(await connect(s), { mode: 'plain', scheduler });
    const waits: number[] = [];
    opened.push(client.events.subscribe((e) => e.type === 'sent' && waits.push(e.waitMs)));
    const replies = await requestInVirtualTime(client.request(text('twelve bytes')), scheduler, () =>
      waitFor(
        () => handled === client.stats.sent && client.stats.accepted === replied,
        'the request (and its reply, if any) to arrive',
      ),
    );
    expect(replies).toEqual(['12 bytes']);
    expect(waits).toEqual([100, 200]);
    expect(client.stats).toMatchObject({ sent: 2, retransmitted: 1, accepted: 1 });
  });

  it('nothing listening: the request fails with PORT_UNREACHABLE, not a silent wait for SERVER_UNREACHABLE', async () => {
    const s = await openUdp();
    const socket = await connect(s);
    s.close();
    const client = requester(socket, { mode: 'plain', scheduler: new VirtualTimeScheduler() });
    const error = await lastValueFrom(client.request(text('anyone?'))).catch((e: unknown) => e);
    expect(isPortaError(error, 'PORT_UNREACHABLE')).toBe(true);
    expect(client.stats.unreachable).toBe(0);
  });

  it('a destination other than the remote is refused with INVALID_ARGUMENT before anything is sent', async () => {
    const s = await server();
    const other = await server();
    const client = requester(await connect(s));
    const error = await lastValueFrom(client.request(text('astray'), other.socket.local)).catch((e) => e);
    expect(isPortaError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${other.socket.local.port}`);
    expect(client.stats).toMatchObject({ requests: 0, sent: 0 });
  });

  it('a socket that is not connected needs a destination: INVALID_ARGUMENT naming the socket', async () => {
    const unconnected = await server();
    const client = requester(unconnected.socket);
    const error = await lastValueFrom(client.request(text('where?'))).catch((e) => e);
    expect(isPortaError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('not connected');
    expect(client.stats.sent).toBe(0);
  });
});
