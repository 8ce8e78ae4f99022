import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  type Datagram,
  type DatagramSocket,
  endpoint,
  type ServeEventMessage,
  SocketError,
} from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { requester } from '@porta/reliability';
import { connectUdp } from '@porta/udp';
import { lastValueFrom, of, Subject, type Subscription, switchMap, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { answerLengths, type LengthServerEvent, lengthReply, lengthServer } from '../src/index.js';

trackHandles();

const ascii = (text: string) => new TextEncoder().encode(text);

describe('the length server', () => {
  it('a reply the OS refuses costs that answer only: the next client is still answered', async () => {
    const datagrams = new Subject<Datagram>();
    const spoofed = endpoint('127.0.0.1', 0);
    const honest = endpoint('127.0.0.1', 40_000);
    const sent: string[] = [];
    const socket: DatagramSocket = {
      local: endpoint('127.0.0.1', 1060),
      datagrams,
      send: (data, to) => {
        if (to.port === 0) return throwError(() => new SocketError('send failed: EINVAL', 'EINVAL'));
        sent.push(`${to.port}:${new TextDecoder().decode(data)}`);
        return of(undefined);
      },
    };
    const lines: string[] = [];
    const events = lastValueFrom(answerLengths(socket, { log: (l) => lines.push(l) }).pipe(toArray()));
    datagrams.next({ data: ascii('from a spoofed port 0'), remote: spoofed });
    datagrams.next({ data: ascii('hello'), remote: honest });
    datagrams.complete();

    const all = await events;
    expect(all.map((e) => e.type)).toEqual(['answered', 'dropped', 'answered']);
    expect(all[1]).toMatchObject({
      type: 'dropped',
      from: spoofed,
      reason: 'reply not sent: send failed: EINVAL',
    });
    expect(sent).toEqual([`40000:${lengthReply(5)}`]);
    expect(lines).toContain("Server >> Could not answer ('127.0.0.1', 0): send failed: EINVAL");
  });
});

describe('the length server on the actor runtime (real loopback)', () => {
  it('runs on serve: one actor per client, each client answered with its own lengths', async () => {
    const serveEvents: ServeEventMessage[] = [];
    const onServe = (m: unknown) => serveEvents.push(m as ServeEventMessage);
    subscribe('porta:serve:event', onServe);
    const events: LengthServerEvent[] = [];
    const server = lengthServer({ port: 0, log: () => {} }).subscribe((e) => events.push(e));
    const clients: Subscription[] = [];
    try {
      await until(() => events.length > 0);
      const listening = events[0];
      if (listening?.type !== 'listening')
        throw new Error(`expected listening first, got ${listening?.type}`);
      const replies = await Promise.all(
        ['one', 'three'].map(
          (word) =>
            new Promise<string>((resolve, reject) => {
              const sub = connectUdp(listening.local)
                .pipe(switchMap((socket) => requester(socket, { mode: 'plain' }).request(ascii(word))))
                .subscribe({ next: (r) => resolve(new TextDecoder().decode(r)), error: reject });
              clients.push(sub);
            }),
        ),
      );
      expect(replies).toEqual([lengthReply(3), lengthReply(5)]);
      const opened = serveEvents.filter((m) => m.event.type === 'opened');
      expect(opened.map((m) => m.transport)).toEqual(['udp', 'udp']);
      expect(new Set(opened.map((m) => m.remote?.port)).size).toBe(2);
      expect(
        events.filter((e) => e.type === 'answered').map((e) => e.type === 'answered' && e.request),
      ).toEqual(expect.arrayContaining(['one', 'three']));
    } finally {
      for (const c of clients) c.unsubscribe();
      server.unsubscribe();
      unsubscribe('porta:serve:event', onServe);
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition(), 'condition never held').toBe(true);
}
