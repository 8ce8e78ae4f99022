import { type Endpoint, isPortaError, sameEndpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import type { PeerLink, TransportEvent } from '@porta/core/transport';
import { connectUdp, udpTransport } from '@porta/udp';
import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ascii, errorOf, first, opener, until } from './helpers.js';

trackHandles();
const open = opener();
const running: Subscription[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.unsubscribe();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Opens a transport and records its events; each peer's inbound is read into `inbox`. */
async function start(options: Parameters<typeof udpTransport>[0] = {}) {
  const transport = udpTransport(options);
  const events: TransportEvent[] = [];
  const links: PeerLink[] = [];
  const inbox = new Map<PeerLink, string[]>();
  const completed = new Set<PeerLink>();
  const subscription = transport.open().subscribe((event) => {
    events.push(event);
    if (event.type !== 'peer') return;
    const link = event.link;
    links.push(link);
    inbox.set(link, []);
    running.push(
      link.inbound.subscribe({
        next: (m) => inbox.get(link)?.push(text(m)),
        complete: () => completed.add(link),
      }),
    );
  });
  running.push(subscription);
  await until(() => events.length > 0);
  const first = events[0];
  if (first?.type !== 'listening') throw new Error(`expected listening first, got ${first?.type}`);
  return { transport, events, links, inbox, completed, subscription, local: first.local };
}

describe('udpTransport', () => {
  it('emits listening with the bound endpoint first', async () => {
    const { transport, local } = await start({ port: 0 });
    expect(transport.name).toBe('udp');
    expect(local.address).toBe('127.0.0.1');
    expect(local.port).toBeGreaterThan(0);
  });

  it('makes two remotes two peer links, each with its own inbound, and routes replies to each', async () => {
    const server = await start();
    const { value: alice } = await open(connectUdp(server.local));
    const { value: bob } = await open(connectUdp(server.local));

    await first(alice.send(ascii('a1')));
    await first(bob.send(ascii('b1')));
    await first(alice.send(ascii('a2')));
    await until(() => server.links.length === 2 && [...server.inbox.values()].flat().length === 3);

    const [a, b] = server.links as [PeerLink, PeerLink];
    expect(sameEndpoint(a.remote, alice.local)).toBe(true);
    expect(sameEndpoint(b.remote, bob.local)).toBe(true);
    expect(a.id).toBe(`udp:127.0.0.1:${alice.local.port}`);
    expect(sameEndpoint(a.local, server.local)).toBe(true);
    expect(server.inbox.get(a)).toEqual(['a1', 'a2']);
    expect(server.inbox.get(b)).toEqual(['b1']);
    expect(a.pause).toBeUndefined();
    expect(a.resume).toBeUndefined();

    const toAlice = first(alice.messages);
    const toBob = first(bob.messages);
    await first(b.send(ascii('for bob')));
    await first(a.send(ascii('for alice')));
    expect(text(await toAlice)).toBe('for alice');
    expect(text(await toBob)).toBe('for bob');
    expect(server.transport.stats).toMatchObject({ peers: 2, peersOpened: 2, received: 3, rejected: 0 });
  });

  it('forgets a closed peer: its inbound completes and its next datagram makes a new link', async () => {
    const server = await start();
    const { value: alice } = await open(connectUdp(server.local));
    await first(alice.send(ascii('one')));
    await until(() => server.links.length === 1);
    const old = server.links[0]!;
    old.end();
    old.close();
    old.close();
    expect(server.completed.has(old)).toBe(true);
    expect(isPortaError(await errorOf(old.send(ascii('x'))), 'SOCKET_CLOSED')).toBe(true);
    expect(server.transport.stats.peers).toBe(0);

    await first(alice.send(ascii('two')));
    await until(() => server.links.length === 2);
    const renewed = server.links[1]!;
    expect(renewed).not.toBe(old);
    expect(renewed.id).toBe(old.id);
    await until(() => server.inbox.get(renewed)?.length === 1);
    expect(server.inbox.get(renewed)).toEqual(['two']);
    expect(server.inbox.get(old)).toEqual(['one']);
  });

  it('rejects (and counts) datagrams from new remotes beyond maxPeers, serving the known one', async () => {
    const server = await start({ maxPeers: 1, whenFull: 'reject' });
    const { value: alice } = await open(connectUdp(server.local));
    const { value: bob } = await open(connectUdp(server.local));
    await first(alice.send(ascii('a')));
    await until(() => server.links.length === 1);
    await first(bob.send(ascii('bbb')));
    await first(alice.send(ascii('a again')));
    await until(() => server.inbox.get(server.links[0]!)?.length === 2);
    const rejected = server.events.filter((e) => e.type === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ type: 'rejected', bytes: 3 });
    expect(sameEndpoint((rejected[0] as { remote: Endpoint }).remote, bob.local)).toBe(true);
    expect((rejected[0] as { reason: string }).reason).toContain('maxPeers 1');
    expect(server.transport.stats).toMatchObject({ peers: 1, rejected: 1 });
  });

  it('keeps a bounded backlog for a peer whose inbound is not yet read, rejecting the excess', async () => {
    const transport = udpTransport({ maxBacklogPerPeer: 2 });
    const events: TransportEvent[] = [];
    running.push(transport.open().subscribe((e) => events.push(e)));
    await until(() => events.length === 1);
    const local = (events[0] as { local: Endpoint }).local;
    const { value: alice } = await open(connectUdp(local));
    for (const m of ['1', '2', '3']) await first(alice.send(ascii(m)));
    await until(() => transport.stats.received === 3);
    const peer = events.find((e) => e.type === 'peer');
    expect(events.filter((e) => e.type === 'rejected')).toHaveLength(1);
    const got: string[] = [];
    if (peer?.type === 'peer') running.push(peer.link.inbound.subscribe((m) => got.push(text(m))));
    expect(got).toEqual(['1', '2']);
  });

  it('closes the socket and completes every inbound when unsubscribed', async () => {
    const server = await start();
    const { value: alice } = await open(connectUdp(server.local));
    await first(alice.send(ascii('hi')));
    await until(() => server.links.length === 1);
    server.subscription.unsubscribe();
    expect(server.completed.has(server.links[0]!)).toBe(true);
    expect(isPortaError(await errorOf(server.links[0]!.send(ascii('x'))), 'SOCKET_CLOSED')).toBe(true);
  });

  it('serves IPv6 peers, naming them [address]:port', async () => {
    const server = await start({ address: '::1' });
    const { value: alice } = await open(connectUdp(server.local));
    await first(alice.send(ascii('six')));
    await until(() => server.links.length === 1);
    const link = server.links[0]!;
    expect(link.id).toBe(`udp:[::1]:${alice.local.port}`);
    const reply = first(alice.messages);
    await first(link.send(ascii('back')));
    expect(text(await reply)).toBe('back');
  });

  it('fails open() with a typed error for a busy port', async () => {
    const server = await start();
    const err = await errorOf(udpTransport({ port: server.local.port }).open());
    expect(isPortaError(err, 'ADDRESS_IN_USE')).toBe(true);
  });
});
