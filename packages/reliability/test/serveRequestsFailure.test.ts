import { type Datagram, type DatagramSocket, type Endpoint, InvalidArgumentError } from '@porta/core';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { encodePortaMessage, type ServeRequestsEvent, serveRequests } from '../src/index.js';
import { text } from './requesterSupport.js';

describe('serveRequests when a reply cannot be sent', () => {
  it('reports it as unsent and goes on serving (one spoofed request must not stop the server)', () => {
    const inbound = new Subject<Datagram>();
    const sent: Endpoint[] = [];
    const socket: DatagramSocket = {
      local: { address: '127.0.0.1', port: 1060, family: 'IPv4' },
      datagrams: inbound.asObservable(),
      // As a UDP socket does: nothing can be sent to port 0.
      send: (_data, to) =>
        new Observable<void>((s) => {
          if (to.port === 0) {
            s.error(new InvalidArgumentError('destination port must be from 1 to 65535, got 0'));
            return;
          }
          sent.push(to);
          s.next();
          s.complete();
        }),
    };
    const events: ServeRequestsEvent[] = [];
    let failed: unknown;
    const serving = serveRequests(socket, (payload) => payload).subscribe({
      next: (e) => events.push(e),
      error: (e: unknown) => (failed = e),
    });
    const request = (id: bigint) =>
      encodePortaMessage({ kind: 'request', id, attempt: 1, payload: text('x') });
    const spoofed: Endpoint = { address: '127.0.0.1', port: 0, family: 'IPv4' };
    const honest: Endpoint = { address: '127.0.0.1', port: 40000, family: 'IPv4' };
    inbound.next({ data: request(1n), remote: spoofed });
    inbound.next({ data: request(2n), remote: honest });
    serving.unsubscribe();
    expect(failed).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['unsent', 'answered']);
    expect(sent).toEqual([honest]);
  });
});
