import { type Datagram, type DatagramSocket, type Endpoint, SocketError } from '@porta/core';
import { Observable, Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ImpairmentProxy, impairmentProxy, type ProxyBindRequest } from '../src/index.js';

const target: Endpoint = { address: '127.0.0.1', port: 1060, family: 'IPv4' };
const client: Endpoint = { address: '127.0.0.1', port: 40000, family: 'IPv4' };

/** A `bind` whose sockets' inbound streams the test drives (and can fail). */
function fakeBind() {
  const sockets: { inbound: Subject<Datagram>; open: boolean }[] = [];
  const bind = (o: ProxyBindRequest) =>
    new Observable<DatagramSocket>((subscriber) => {
      const entry = { inbound: new Subject<Datagram>(), open: true };
      sockets.push(entry);
      subscriber.next({
        local: { address: o.address ?? '127.0.0.1', port: 5000 + sockets.length, family: 'IPv4' },
        datagrams: entry.inbound.asObservable(),
        send: () =>
          new Observable<void>((s) => {
            s.next();
            s.complete();
          }),
      });
      return () => {
        entry.open = false;
      };
    });
  return { bind, sockets };
}

describe('impairmentProxy when a socket inbound fails', () => {
  it('errors the proxy with the listening socket failure (no unhandled error), closing every socket', () => {
    const { bind, sockets } = fakeBind();
    const scheduler = new VirtualTimeScheduler();
    let error: unknown;
    impairmentProxy({ bind, target, scheduler }).subscribe({ error: (e: unknown) => (error = e) });
    const listening = sockets[0]!;
    listening.inbound.next({ data: Uint8Array.of(1), remote: client });
    expect(sockets).toHaveLength(2); // the client's upstream socket
    const failure = new SocketError('UDP recv failed: boom', 'ENOMEM');
    listening.inbound.error(failure);
    expect(error).toBe(failure);
    expect(sockets.map((s) => s.open)).toEqual([false, false]);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('drops a failed upstream socket and opens a new one for the client next time', () => {
    const { bind, sockets } = fakeBind();
    const scheduler = new VirtualTimeScheduler();
    let proxy: ImpairmentProxy | undefined;
    let error: unknown;
    const sub = impairmentProxy({ bind, target, scheduler }).subscribe({
      next: (p) => (proxy = p),
      error: (e: unknown) => (error = e),
    });
    const listening = sockets[0]!;
    listening.inbound.next({ data: Uint8Array.of(1), remote: client });
    expect(proxy?.stats.clients).toBe(1);
    sockets[1]!.inbound.error(new SocketError('UDP recv failed: boom', 'ENOMEM'));
    expect(sockets[1]!.open).toBe(false);
    expect(proxy?.stats.clients).toBe(0);
    expect(error).toBeUndefined();
    listening.inbound.next({ data: Uint8Array.of(2), remote: client });
    expect(sockets).toHaveLength(3);
    expect(proxy?.stats.clients).toBe(1);
    sub.unsubscribe();
    expect(sockets.every((s) => !s.open)).toBe(true);
    expect(scheduler.actions).toHaveLength(0);
  });
});
