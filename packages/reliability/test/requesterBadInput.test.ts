import { isPortaError, PendingLimitError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { UdpSocket } from '@porta/udp';
import { firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodePortaMessage,
  PORTA_HEADER_BYTES,
  type PortaMessage,
  type Requester,
  type RequesterOptions,
  replyTo,
  requester,
} from '../src/index.js';
import { type Opened, openUdp, waitFor } from './courseSupport.js';
import { ascii, text } from './requesterSupport.js';

trackHandles();

let server: Opened;
let client: Opened;
let seen: { request: PortaMessage; from: UdpSocket['local'] }[];
let listening: { unsubscribe(): void };

beforeEach(async () => {
  server = await openUdp();
  client = await openUdp();
  seen = [];
  listening = server.socket.datagrams.subscribe((d) =>
    seen.push({ request: decodePortaMessage(d.data), from: d.remote }),
  );
});

afterEach(() => {
  listening.unsubscribe();
  server.close();
  client.close();
});

/** A requester whose timers never fire: exactly one send per request, whatever the test takes. */
function make(options: RequesterOptions = {}): Requester {
  return requester(client.socket, { scheduler: new VirtualTimeScheduler(undefined, 0), ...options });
}

const sendFromServer = (bytes: Uint8Array) => server.socket.send(bytes, client.socket.local).subscribe();

async function nextRequest(n: number) {
  await waitFor(() => seen.length >= n, `request ${n} to reach the server`);
  return seen[n - 1]!;
}

async function laterRequestSucceeds(porta: Requester, n: number) {
  const later = firstValueFrom(porta.request(text('later'), server.socket.local));
  const { request, from } = await nextRequest(n);
  server.socket.send(replyTo(request, text('still working')), from).subscribe();
  expect(ascii(await later)).toBe('still working');
}

describe('requester under bad input (real loopback sockets)', () => {
  it('malformed replies are counted as malformed and never delivered', async () => {
    const porta = make();
    const pending = firstValueFrom(porta.request(text('q'), server.socket.local));
    const { request } = await nextRequest(1);
    const good = replyTo(request, text('good'));
    const wrongMagic = Uint8Array.from(good);
    wrongMagic[0] = 0x00;
    const wrongVersion = Uint8Array.from(good);
    wrongVersion[2] = 9;
    const wrongKind = Uint8Array.from(good);
    wrongKind[3] = 7;
    const bad = [
      new Uint8Array(0),
      text('FAKE'),
      good.subarray(0, PORTA_HEADER_BYTES - 1),
      wrongMagic,
      wrongVersion,
      wrongKind,
    ];
    for (const [i, b] of bad.entries()) {
      sendFromServer(b);
      await waitFor(() => porta.stats.malformed === i + 1, `malformed #${i + 1} to be counted`);
    }
    sendFromServer(good);
    expect(ascii(await pending)).toBe('good');
    expect(porta.stats).toMatchObject({ malformed: 6, accepted: 1 });
    await laterRequestSucceeds(porta, 2);
  });

  it('an oversize reply is refused as oversize, even with the right id', async () => {
    const porta = make({ maxReplyBytes: 64 });
    const events: string[] = [];
    porta.events.subscribe((e) => {
      if (e.type === 'rejected') events.push(`${e.reason}:${e.bytes}`);
    });
    const pending = firstValueFrom(porta.request(text('q'), server.socket.local));
    const { request } = await nextRequest(1);
    sendFromServer(replyTo(request, new Uint8Array(1000)));
    await waitFor(() => porta.stats.oversize === 1, 'the oversize reply to be refused');
    sendFromServer(replyTo(request, text('small')));
    expect(ascii(await pending)).toBe('small');
    expect(events).toEqual([`oversize:${PORTA_HEADER_BYTES + 1000}`]);
    await laterRequestSucceeds(porta, 2);
  });

  it('a reply for an unknown id is wrongId', async () => {
    const porta = make();
    const pending = firstValueFrom(porta.request(text('q'), server.socket.local));
    const { request } = await nextRequest(1);
    sendFromServer(replyTo({ id: request.id + 1n, attempt: 1 }, text('FAKE')));
    await waitFor(() => porta.stats.wrongId === 1, 'the unknown id to be refused');
    sendFromServer(replyTo(request, text('right')));
    expect(ascii(await pending)).toBe('right');
    await laterRequestSucceeds(porta, 2);
  });

  it('a flood of 300 replies for one id: one accepted, the rest counted as duplicates', async () => {
    const porta = make();
    const values: string[] = [];
    const sub = porta.request(text('q'), server.socket.local).subscribe((v) => values.push(ascii(v)));
    // A second request keeps the client listening after the first is answered.
    const other = porta.request(text('keep listening'), server.socket.local).subscribe();
    const { request } = await nextRequest(1);
    await nextRequest(2);
    // In bursts of 50, so that the kernel's receive buffer never has to drop any.
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 50; i++) sendFromServer(replyTo(request, text(`copy ${burst * 50 + i}`)));
      const expected = (burst + 1) * 50;
      await waitFor(
        () => porta.stats.accepted + porta.stats.duplicates === expected,
        'the flood to be processed',
      );
    }
    expect(values).toEqual(['copy 0']);
    expect(porta.stats).toMatchObject({ accepted: 1, duplicates: 299 });
    sub.unsubscribe();
    other.unsubscribe();
    await laterRequestSucceeds(porta, 3);
  });

  it('the pending table is bounded: one request too many fails with PENDING_LIMIT, later ones work', async () => {
    const porta = make({ maxPending: 2 });
    const a = porta.request(text('a'), server.socket.local).subscribe();
    const b = porta.request(text('b'), server.socket.local).subscribe();
    let error: unknown;
    porta.request(text('c'), server.socket.local).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(PendingLimitError);
    expect(isPortaError(error, 'PENDING_LIMIT')).toBe(true);
    expect((error as Error).message).toMatch(/2 requests are already pending/);
    expect(porta.stats.refused).toBe(1);
    await nextRequest(2);
    a.unsubscribe();
    b.unsubscribe();
    await laterRequestSucceeds(porta, 3);
  });

  it('plain mode: an oversize reply is refused and the right-size one accepted', async () => {
    const porta = make({ mode: 'plain', maxReplyBytes: 16 });
    listening.unsubscribe();
    let from: UdpSocket['local'] | undefined;
    listening = server.socket.datagrams.subscribe((d) => (from = d.remote));
    const pending = firstValueFrom(porta.request(text('q'), server.socket.local));
    await waitFor(() => from !== undefined, 'the plain request to arrive');
    sendFromServer(new Uint8Array(17));
    await waitFor(() => porta.stats.oversize === 1, 'the oversize reply to be refused');
    sendFromServer(text('sixteen bytes ok'));
    expect(ascii(await pending)).toBe('sixteen bytes ok');
  });
});
