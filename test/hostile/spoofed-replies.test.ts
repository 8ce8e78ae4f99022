import dgram from 'node:dgram';
import { type Datagram, endpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { decodePortaMessage, replyTo, requester } from '@porta/reliability';
import { bindUdp, type UdpSocket } from '@porta/udp';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ascii, owned, releaseAfterEach, sleep, text, until } from './support.js';

trackHandles();
releaseAfterEach();

function rawSocket(address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

const sendRaw = (s: dgram.Socket, data: Uint8Array, port: number, address = '127.0.0.1') =>
  new Promise<void>((resolve) => s.send(data, port, address, () => resolve()));

describe('hostile: spoofed replies from every direction (real UDP, loopback)', () => {
  it('only the server’s genuine replies are accepted; every forgery is refused and counted by reason', async () => {
    const subs = owned();
    const server = await new Promise<UdpSocket>((resolve, reject) =>
      subs.add(bindUdp({ address: '127.0.0.1', port: 0 }).subscribe({ next: resolve, error: reject })),
    );
    const client = await new Promise<UdpSocket>((resolve, reject) =>
      subs.add(bindUdp({ address: '127.0.0.1', port: 0 }).subscribe({ next: resolve, error: reject })),
    );
    const otherPort = await rawSocket('127.0.0.1'); // the server's address, another port
    const otherHost = await rawSocket('127.0.0.2'); // "another machine"
    subs.add(() => {
      otherPort.close();
      otherHost.close();
    });
    const clientPort = client.local.port;
    const rounds = 20;
    let forged = 0;
    // The "server" answers each request after the attackers had their go (they see every request:
    // on-path, the strongest position short of the server itself).
    subs.add(
      server.datagrams.subscribe((d: Datagram) => {
        const request = decodePortaMessage(d.data);
        void (async () => {
          const guessed = replyTo({ id: request.id ^ 1n, attempt: request.attempt }, text('FAKE'));
          const rightId = replyTo(request, text('FAKE'));
          const future = replyTo({ id: request.id, attempt: request.attempt + 1 }, text('FAKE'));
          await sendRaw(otherHost, rightId, clientPort); // right id, wrong address
          await sendRaw(otherPort, rightId, clientPort); // right id, wrong port
          await sendRaw(otherPort, guessed, clientPort); // guessed id, wrong port
          await sendRaw(otherHost, text('FAKE'), clientPort); // the course's plain FAKE
          await sendRaw(otherHost, new Uint8Array(2_000), clientPort); // over maxReplyBytes
          forged += 5;
          await firstValueFrom(server.send(future, d.remote)); // from the server, an attempt never sent
          await firstValueFrom(server.send(guessed, d.remote)); // from the server, an id never used
          forged += 2;
          await sleep(2);
          const genuine = replyTo(request, text(`answer ${ascii(request.payload)}`));
          await firstValueFrom(server.send(genuine, d.remote));
          await firstValueFrom(server.send(genuine, d.remote)); // a duplicate
          await sendRaw(otherHost, genuine, clientPort); // a replay from elsewhere
          forged += 2;
        })();
      }),
    );
    const porta = requester(client, { maxReplyBytes: 1_500, retry: { maxAttempts: 8 } });
    const answers: string[] = [];
    for (let i = 0; i < rounds; i++) {
      answers.push(
        ascii(await lastValueFrom(porta.request(text(`q${i}`), endpoint('127.0.0.1', server.local.port)))),
      );
    }
    await until(() => forged === rounds * 9, 'every forgery to be sent');
    await sleep(50);
    expect(answers).toEqual(Array.from({ length: rounds }, (_, i) => `answer q${i}`));
    const s = porta.stats;
    expect(s.accepted).toBe(rounds);
    // What arrived after a request ended is "late"/"duplicate"; before, its precise reason.
    const refused = s.oversize + s.malformed + s.wrongOrigin + s.wrongId + s.duplicates + s.late;
    expect(s.oversize).toBe(rounds);
    expect(s.wrongOrigin).toBeGreaterThanOrEqual(rounds * 3);
    expect(refused + s.accepted).toBeLessThanOrEqual(rounds * 10);
    expect(refused).toBeGreaterThanOrEqual(rounds * 8);
    subs.unsubscribe();
  });
});
