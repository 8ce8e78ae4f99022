import type { Peer } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { type ConnectedUdpSocket, connectUdp, udpTransport } from '@porta/udp';
import { EMPTY, firstValueFrom, of, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { floodFromPorts } from '../support/udpFlood.js';
import { ascii, owned, releaseAfterEach, sleep, startServer, text, until } from './support.js';

trackHandles();
releaseAfterEach();

const FLOOD = text('flood');
/** Echoes everything but the flood (which a real server would not answer either: it is junk). */
const echo = (peer: Peer) => peer.handle((m) => (ascii(m) === 'flood' ? EMPTY : of(m)));

describe('hostile: a UDP flood from thousands of source ports, default options', () => {
  it('a newcomer and an established client are both served during the flood; evictions are counted', async () => {
    const subs = owned();
    const transport = udpTransport({ port: 0 });
    const running = await startServer(transport, echo, subs);
    const { local } = running;

    const client = () =>
      new Promise<ConnectedUdpSocket>((resolve, reject) =>
        subs.add(connectUdp(local).subscribe({ next: resolve, error: reject })),
      );
    const established = await client();
    // Asks until answered (UDP: a datagram may be lost when the flood fills the socket buffer).
    const ask = async (socket: ConnectedUdpSocket, what: string): Promise<boolean> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const reply = firstValueFrom(socket.messages.pipe(timeout(1_000))).then(ascii, () => undefined);
        await firstValueFrom(socket.send(text(what)));
        if ((await reply) === what) return true;
      }
      return false;
    };
    expect(await ask(established, 'hello')).toBe(true);

    let answered = 0;
    let asked = 0;
    let flooding = true;
    const talking = (async () => {
      while (flooding) {
        asked++;
        if (await ask(established, `ping ${asked}`)) answered++;
        await sleep(5);
      }
    })();
    const flood = floodFromPorts(local.port, 3_000, FLOOD);
    await until(() => transport.stats.evicted > 0, 'the table to overflow');

    const newcomer = await client();
    const newcomerServed = await ask(newcomer, 'let me in');
    await flood;
    flooding = false;
    await talking;

    expect(newcomerServed).toBe(true);
    expect(asked).toBeGreaterThan(0);
    expect(answered).toBe(asked);
    const stats = transport.stats;
    expect(stats.peers).toBeLessThanOrEqual(1_024);
    expect(stats.evicted).toBeGreaterThan(1_000);
    expect(stats.evicted).toBe(stats.peersOpened - stats.peers); // no peer left any other way
    expect(stats.rejected).toBe(0);
    expect(running.server.stats().active).toBeLessThanOrEqual(1_024);
    subs.unsubscribe();
  });
});
