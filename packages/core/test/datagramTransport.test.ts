import { type Datagram, type DatagramSocket, type Endpoint, endpoint, isPortaError } from '@porta/core';
import { datagramTransport, type PeerLink, type TransportEvent } from '@porta/core/transport';
import { Observable, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A datagram socket in memory: the test pushes datagrams in and reads what was sent. */
class MemorySocket implements DatagramSocket {
  readonly local = endpoint('127.0.0.1', 1060);
  readonly inbound = new Subject<Datagram>();
  readonly datagrams = this.inbound.asObservable();
  readonly sent: { readonly to: Endpoint; readonly text: string }[] = [];
  binds = 0;
  closes = 0;
  /** `bind` as a transport subscribes to it: emits this socket, counts opens and closes. */
  readonly bind = new Observable<DatagramSocket>((subscriber) => {
    this.binds++;
    subscriber.next(this);
    return () => this.closes++;
  });

  send(data: Uint8Array, to: Endpoint): Observable<void> {
    this.sent.push({ to, text: text(data) });
    return of(undefined);
  }

  from(remote: Endpoint, message: string): void {
    this.inbound.next({ data: bytes(message), remote });
  }
}

const alice = endpoint('10.0.0.1', 5000);
const bob = endpoint('::1', 6000);

/** Opens a transport over a fresh MemorySocket and records its events and peer links. */
function start(options: Parameters<typeof datagramTransport>[2] = {}) {
  const socket = new MemorySocket();
  const transport = datagramTransport('mem', socket.bind, options);
  const events: TransportEvent[] = [];
  const links: PeerLink[] = [];
  const subscription = transport.open().subscribe({
    next: (event) => {
      events.push(event);
      if (event.type === 'peer') links.push(event.link);
    },
    error: (err: unknown) => events.push({ type: 'rejected', reason: `error: ${String(err)}` }),
  });
  const reasons = () => events.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []));
  return { socket, transport, events, links, subscription, reasons };
}

describe('datagramTransport', () => {
  it('emits listening, makes one peer per remote, and replies to each through the shared socket', () => {
    const { socket, transport, events, links, subscription } = start();
    expect(transport.name).toBe('mem');
    expect(events).toEqual([{ type: 'listening', local: socket.local }]);

    const inbox = new Map<string, string[]>();
    const read = (link: PeerLink) => {
      inbox.set(link.id, []);
      link.inbound.subscribe((m) => {
        inbox.get(link.id)?.push(text(m));
        link.send(bytes(text(m).toUpperCase())).subscribe();
      });
    };
    socket.from(alice, 'a1');
    read(links[0] as PeerLink);
    socket.from(bob, 'b1');
    read(links[1] as PeerLink);
    socket.from(alice, 'a2');

    expect(links.map((l) => l.id)).toEqual(['mem:10.0.0.1:5000', 'mem:[::1]:6000']);
    expect(
      links.every((l) => l.pause === undefined && l.resume === undefined && l.local === socket.local),
    ).toBe(true);
    expect(links[1]?.remote).toEqual(bob);
    expect(Object.fromEntries(inbox)).toEqual({
      'mem:10.0.0.1:5000': ['a1', 'a2'],
      'mem:[::1]:6000': ['b1'],
    });
    expect(socket.sent).toEqual([
      { to: alice, text: 'A1' },
      { to: bob, text: 'B1' },
      { to: alice, text: 'A2' },
    ]);
    expect(transport.stats).toEqual({ peers: 2, peersOpened: 2, received: 3, rejected: 0, evicted: 0 });
    subscription.unsubscribe();
  });

  it('keeps a bounded backlog until inbound is subscribed, then rejects what a peer does not read', () => {
    const { socket, transport, links, subscription, reasons } = start({ maxBacklogPerPeer: 2 });
    for (const m of ['m0', 'm1', 'm2']) socket.from(alice, m);
    const link = links[0] as PeerLink;
    const got: string[] = [];
    const reading = link.inbound.subscribe((m) => {
      got.push(text(m));
      // A socket may deliver synchronously while the backlog is replayed: it must queue behind it.
      if (text(m) === 'm0') socket.from(alice, 'during');
    });
    expect(got).toEqual(['m0', 'm1', 'during']);
    socket.from(alice, 'm3');
    reading.unsubscribe();
    socket.from(alice, 'm4');
    expect(got).toEqual(['m0', 'm1', 'during', 'm3']);
    expect(reasons()).toEqual([
      'mem:10.0.0.1:5000 backlog full (maxBacklogPerPeer 2)',
      'mem:10.0.0.1:5000 is not reading its inbound',
    ]);
    expect(transport.stats).toEqual({ peers: 1, peersOpened: 1, received: 6, rejected: 2, evicted: 0 });
    subscription.unsubscribe();
  });

  it('multicasts inbound: a later subscriber joins live, after the first took the backlog', () => {
    const { socket, links, subscription } = start();
    socket.from(alice, 'first');
    const link = links[0] as PeerLink;
    const one: string[] = [];
    const two: string[] = [];
    link.inbound.subscribe((m) => one.push(text(m)));
    link.inbound.subscribe((m) => two.push(text(m)));
    socket.from(alice, 'second');
    expect(one).toEqual(['first', 'second']);
    expect(two).toEqual(['second']);
    subscription.unsubscribe();
  });

  it('bounds the peer table; a closed link frees its slot and its remote gets a new link', async () => {
    const { socket, transport, events, links, subscription } = start({ maxPeers: 1, whenFull: 'reject' });
    socket.from(alice, 'a');
    socket.from(bob, 'bbb');
    const rejected = events.find((e) => e.type === 'rejected');
    expect(rejected).toEqual({
      type: 'rejected',
      remote: bob,
      reason: 'peer table full (maxPeers 1)',
      bytes: 3,
    });

    const old = links[0] as PeerLink;
    let completed = false;
    old.inbound.subscribe({ complete: () => (completed = true) });
    old.end();
    old.close();
    old.close();
    expect(completed).toBe(true);
    const sendError = await new Promise((resolve) => old.send(bytes('x')).subscribe({ error: resolve }));
    expect(isPortaError(sendError, 'SOCKET_CLOSED')).toBe(true);
    expect(transport.stats.peers).toBe(0);

    socket.from(bob, 'b');
    socket.from(alice, 'a again');
    expect(links.map((l) => l.id)).toEqual(['mem:10.0.0.1:5000', 'mem:[::1]:6000']);
    expect(transport.stats).toEqual({ peers: 1, peersOpened: 2, received: 4, rejected: 2, evicted: 0 });
    subscription.unsubscribe();
  });

  it('closes every link, then the socket, when open() is unsubscribed', () => {
    const { socket, transport, links, subscription } = start();
    socket.from(alice, 'a');
    socket.from(bob, 'b');
    const completed: string[] = [];
    for (const link of links) link.inbound.subscribe({ complete: () => completed.push(link.id) });
    expect([socket.binds, socket.closes]).toEqual([1, 0]);
    subscription.unsubscribe();
    expect(completed).toEqual(['mem:10.0.0.1:5000', 'mem:[::1]:6000']);
    expect([socket.binds, socket.closes]).toEqual([1, 1]);
    expect(transport.stats.peers).toBe(0);
    expect(socket.inbound.observed).toBe(false);
  });

  it('errors with bind or with the datagram stream, and completes with the datagram stream', () => {
    const failure = new Error('bind failed');
    let bindError: unknown;
    datagramTransport(
      'mem',
      throwError(() => failure),
    )
      .open()
      .subscribe({ error: (err: unknown) => (bindError = err) });
    expect(bindError).toBe(failure);

    const failing = start();
    failing.socket.inbound.error(new Error('receive failed'));
    expect(failing.reasons()).toEqual(['error: Error: receive failed']);

    const ending = start();
    let done = false;
    ending.transport.open().subscribe({ complete: () => (done = true) });
    ending.socket.inbound.complete();
    expect(done).toBe(true);
    ending.subscription.unsubscribe();
  });

  it('checks its bounds at call time', () => {
    const socket = new MemorySocket();
    for (const bad of [
      { maxPeers: 0 },
      { maxPeers: 1.5 },
      { maxBacklogPerPeer: -1 },
      { maxBacklogPerPeer: Number.NaN },
    ]) {
      expect(() => datagramTransport('mem', socket.bind, bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(socket.binds).toBe(0);
  });
});
