import { type Datagram, type DatagramSocket, type Endpoint, endpoint, isPortaError } from '@porta/core';
import { datagramTransport, type PeerLink } from '@porta/core/transport';
import { type Observer, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const alice = endpoint('10.0.0.1', 5000);

/** A datagram socket in memory, with or without `sendDirect`; records how each send was made. */
function memorySocket(direct: boolean) {
  const inbound = new Subject<Datagram>();
  const sent: { readonly how: 'send' | 'direct'; readonly to: Endpoint; readonly text: string }[] = [];
  const socket: DatagramSocket = {
    local: endpoint('127.0.0.1', 1060),
    datagrams: inbound.asObservable(),
    send: (data, to) => {
      sent.push({ how: 'send', to, text: text(data) });
      return of(undefined);
    },
    ...(direct
      ? {
          sendDirect: (data: Uint8Array, to: Endpoint, observer: Observer<void>) => {
            sent.push({ how: 'direct', to, text: text(data) });
            observer.next();
            observer.complete();
          },
        }
      : {}),
  };
  const links: PeerLink[] = [];
  const open = datagramTransport('mem', of(socket))
    .open()
    .subscribe((event) => {
      if (event.type === 'peer') links.push(event.link);
    });
  inbound.next({ data: bytes('hi'), remote: alice });
  return { sent, link: links[0] as PeerLink, open };
}

/** How a direct send ended: `completed` (after `next`), or its error. */
function outcome(link: PeerLink, data: Uint8Array): unknown {
  let result: unknown;
  let nexts = 0;
  link.sendDirect?.(data, {
    next: () => nexts++,
    error: (e: unknown) => (result = e),
    complete: () => (result = nexts === 1 ? 'completed' : `completed after ${nexts} next`),
  });
  return result;
}

describe('datagramTransport over a socket with sendDirect', () => {
  it("gives its links sendDirect, which sends to the peer's remote through the socket's sendDirect", () => {
    const { sent, link, open } = memorySocket(true);
    expect(outcome(link, bytes('reply'))).toBe('completed');
    expect(sent).toEqual([{ how: 'direct', to: alice, text: 'reply' }]);
    open.unsubscribe();
  });

  it('a closed link refuses a direct send with SOCKET_CLOSED and sends nothing', () => {
    const { sent, link, open } = memorySocket(true);
    link.close();
    const error = outcome(link, bytes('late'));
    expect(isPortaError(error) && error.code).toBe('SOCKET_CLOSED');
    expect(sent).toEqual([]);
    open.unsubscribe();
  });

  it('over a socket without sendDirect, its links have none (the runtime subscribes to send)', () => {
    const { link, open } = memorySocket(false);
    expect(link.sendDirect).toBeUndefined();
    open.unsubscribe();
  });
});
