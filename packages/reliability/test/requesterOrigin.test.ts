import { type Datagram, type DatagramSocket, type Endpoint, isPortaError, SocketError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom, Observable, Subject, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { requester, serveRequests } from '../src/index.js';
import { type Opened, openUdp, waitFor } from './courseSupport.js';
import { ascii, text } from './requesterSupport.js';

trackHandles();

const opened: Opened[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

async function open(address: string): Promise<Opened> {
  const o = await openUdp({ address, ...(address.includes(':') ? { ipv6Only: false } : {}) });
  opened.push(o);
  return o;
}

describe('requester origin check on a dual-stack socket (real loopback sockets)', () => {
  it('accepts the reply when the destination was written in another spelling of the same IPv4-mapped address', async () => {
    const server = await open('127.0.0.1');
    // An IPv6 socket on the IPv4-mapped loopback: the OS reports the server as ::ffff:127.0.0.1.
    const client = await open('::ffff:127.0.0.1');
    const serving = serveRequests(server.socket, (payload) => text(`echo ${ascii(payload)}`)).subscribe();
    try {
      // Timers that never fire: one send, so a refused reply cannot be rescued by a retransmission.
      const porta = requester(client.socket, { scheduler: new VirtualTimeScheduler(undefined, 0) });
      const to: Endpoint = { address: '::ffff:7f00:1', port: server.socket.local.port, family: 'IPv6' };
      let reply: string | undefined;
      const sub = porta.request(text('hi'), to).subscribe((r) => (reply = ascii(r)));
      await waitFor(() => porta.stats.accepted + porta.stats.wrongOrigin > 0, 'the reply to be judged');
      sub.unsubscribe();
      expect(porta.stats.wrongOrigin).toBe(0);
      expect(reply).toBe('echo hi');
    } finally {
      serving.unsubscribe();
    }
  });
});

describe('requester when the socket inbound fails', () => {
  const peer: Endpoint = { address: '127.0.0.1', port: 1060, family: 'IPv4' };

  /** A socket whose sends succeed at once and whose inbound the test controls. */
  function fakeSocket(inbound: Subject<Datagram>): DatagramSocket {
    return {
      local: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
      datagrams: inbound.asObservable(),
      send: () =>
        new Observable<void>((s) => {
          s.next();
          s.complete();
        }),
    };
  }

  it('fails every pending request with the error instead of leaving it unhandled', async () => {
    const inbound = new Subject<Datagram>();
    const scheduler = new VirtualTimeScheduler();
    const porta = requester(fakeSocket(inbound), { scheduler, onePerDestination: true });
    const results = [1, 2, 3].map((n) =>
      firstValueFrom(porta.request(text(`r${n}`), peer)).then(
        () => 'replied',
        (e: unknown) => e,
      ),
    );
    const failure = new SocketError('UDP recv failed: boom', 'ENOMEM');
    inbound.error(failure);
    for (const r of await Promise.all(results)) expect(r).toBe(failure);
    // Nothing is left pending or scheduled: the retry timers went with the requests.
    expect(scheduler.actions).toHaveLength(0);

    // A later request fails at once with the same error rather than waiting for a reply.
    const later = await firstValueFrom(porta.request(text('later'), peer)).catch((e: unknown) => e);
    expect(isPortaError(later, 'SOCKET')).toBe(true);
    expect(scheduler.actions).toHaveLength(0);
  });
});
