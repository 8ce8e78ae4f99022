import { type Datagram, type DatagramSocket, endpoint, SocketError } from '@porta/core';
import { lastValueFrom, of, Subject, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { answerLengths, lengthReply } from '../src/index.js';

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
