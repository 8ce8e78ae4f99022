import { randomBytes } from 'node:crypto';
import type { Endpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { first, firstValueFrom, map, Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type RejectReason, type RequesterEvent, replyTo, requester, serveRequests } from '../src/index.js';
import { type Opened, openUdp, waitFor } from './courseSupport.js';
import { ascii, text } from './requesterSupport.js';

trackHandles();

/**
 * The course's promiscuous-client attack on real loopback sockets. The server is slow: it holds
 * every reply until `release` fires, so the forged datagrams always arrive first.
 */
async function scene() {
  const opened: Opened[] = [];
  const open = async (address = '127.0.0.1') => {
    const o = await openUdp({ address });
    opened.push(o);
    return o.socket;
  };
  const server = await open();
  const client = await open();
  const attacker = await open();
  const attacker2 = await open('127.0.0.2'); // Linux loopback answers for all of 127/8
  const release = new Subject<void>();
  return {
    server,
    client,
    attacker,
    attacker2,
    release,
    close: () => {
      release.complete();
      for (const o of opened) o.close();
    },
  };
}

describe('the promiscuous-client attack, on real loopback sockets', () => {
  it('a naive client (first datagram wins, as udp_local.py) accepts FAKE from a stranger', async () => {
    const s = await scene();
    const serving = s.server.datagrams.subscribe(); // the slow server: reads, never answers in time
    try {
      const reply = firstValueFrom(s.client.datagrams.pipe(first()));
      await firstValueFrom(s.client.send(text('Hora atual'), s.server.local), { defaultValue: undefined });
      await firstValueFrom(s.attacker.send(text('FAKE'), s.client.local), { defaultValue: undefined });
      const got = await reply;
      expect(ascii(got.data)).toBe('FAKE');
      expect(got.remote.port).toBe(s.attacker.local.port); // the naive client never looked
    } finally {
      serving.unsubscribe();
      s.close();
    }
  });

  it("porta's requester accepts none of the fakes, counts each by reason, and gets the genuine answer", async () => {
    const s = await scene();
    const requests: { id: bigint; attempt: number; payload: string }[] = [];
    const serving = serveRequests(s.server, (payload, _from, request) => {
      requests.push({ id: request.id, attempt: request.attempt, payload: ascii(payload) });
      const answer = text(`genuine answer to ${ascii(payload)}`);
      // The first request is answered at once (its reply will be replayed); the second is slow.
      return requests.length === 1
        ? answer
        : s.release.pipe(
            first(),
            map(() => answer),
          );
    }).subscribe();
    // No timer ever fires (virtual time stands still): exactly one send per request.
    const porta = requester(s.client, { scheduler: new VirtualTimeScheduler(undefined, 0) });
    const events: RequesterEvent[] = [];
    const watching = porta.events.subscribe((e) => events.push(e));
    try {
      const old = await firstValueFrom(porta.request(text('first'), s.server.local));
      expect(ascii(old)).toBe('genuine answer to first');
      const oldRequest = requests[0]!;
      const oldReply = replyTo(oldRequest, old); // byte for byte what the server sent then

      const pending = firstValueFrom(porta.request(text('second'), s.server.local));
      await waitFor(() => requests.length === 2, 'the server to receive the second request');

      const rejections = () => events.filter((e) => e.type === 'rejected').length;
      const fakes: [string, () => void][] = [
        ['FAKE from another port', () => s.attacker.send(text('FAKE'), s.client.local).subscribe()],
        ['FAKE from 127.0.0.2', () => s.attacker2.send(text('FAKE'), s.client.local).subscribe()],
        [
          'a forged reply with a guessed id, spoofing the server address',
          () =>
            s.server
              .send(
                replyTo({ id: randomBytes(8).readBigUInt64BE(), attempt: 1 }, text('FAKE')),
                s.client.local,
              )
              .subscribe(),
        ],
        [
          'a replay of the old genuine reply, spoofing the server address',
          () => s.server.send(oldReply, s.client.local).subscribe(),
        ],
        [
          'a replay of the old genuine reply from another port',
          () => s.attacker.send(oldReply, s.client.local).subscribe(),
        ],
      ];
      for (const [what, send] of fakes) {
        const before = rejections();
        send();
        await waitFor(() => rejections() === before + 1, `the client to reject ${what}`);
      }
      s.release.next();
      expect(ascii(await pending)).toBe('genuine answer to second');

      const reasons = events.flatMap((e) =>
        e.type === 'rejected' ? [[e.reason, e.from.address, e.from.port]] : [],
      );
      expect(reasons).toEqual([
        ['wrongOrigin', '127.0.0.1', s.attacker.local.port],
        ['wrongOrigin', '127.0.0.2', s.attacker2.local.port],
        ['wrongId', '127.0.0.1', s.server.local.port],
        ['duplicate', '127.0.0.1', s.server.local.port],
        ['wrongOrigin', '127.0.0.1', s.attacker.local.port],
      ] satisfies [RejectReason, string, number][]);
      expect(porta.stats).toMatchObject({ accepted: 2, wrongOrigin: 3, wrongId: 1, duplicates: 1, sent: 2 });
      expect(events.filter((e) => e.type === 'accepted')).toHaveLength(2);
    } finally {
      watching.unsubscribe();
      serving.unsubscribe();
      s.close();
    }
  });

  it("plain mode (the course's Python server knows no ids) still refuses FAKE from other origins", async () => {
    const s = await scene();
    let request: { remote: Endpoint; length: number } | undefined;
    const serving = s.server.datagrams.subscribe((d) => {
      request = { remote: d.remote, length: d.data.length };
    });
    const porta = requester(s.client, { mode: 'plain', scheduler: new VirtualTimeScheduler(undefined, 0) });
    try {
      const pending = firstValueFrom(porta.request(text('Hora atual'), s.server.local));
      await waitFor(() => request !== undefined, 'the server to receive the request');
      s.attacker.send(text('FAKE'), s.client.local).subscribe();
      s.attacker2.send(text('FAKE'), s.client.local).subscribe();
      await waitFor(() => porta.stats.wrongOrigin === 2, 'both fakes to be refused');
      s.server.send(text(`comprimento de ${request!.length} bytes`), request!.remote).subscribe();
      expect(ascii(await pending)).toBe('comprimento de 10 bytes');
      expect(porta.stats).toMatchObject({ accepted: 1, wrongOrigin: 2 });
    } finally {
      serving.unsubscribe();
      s.close();
    }
  });
});
