import { type Endpoint, isPortaError } from '@porta/core';
import type { PeerLink, TransportEvent } from '@porta/core/transport';
import { mergeMap, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../src/sim/simNetwork.js';
import { simTransport } from '../src/sim/simTransport.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
// The course's port, on the simulated network: no real socket is bound, so no other run collides.
const SIM_PORT = 1060;
const server: Endpoint = { address: '127.0.0.1', port: SIM_PORT, family: 'IPv4' };

/** Wires an upper-casing behaviour to every peer by hand (what core's `serve` does). */
function upperServer(net: SimNetwork, events: TransportEvent[], links: PeerLink[]): Subscription {
  return simTransport(net, { port: SIM_PORT })
    .open()
    .subscribe((event) => {
      events.push(event);
      if (event.type !== 'peer') return;
      links.push(event.link);
      event.link.inbound
        .pipe(mergeMap((m) => event.link.send(bytes(`${event.link.id} ${text(m).toUpperCase()}`))))
        .subscribe();
    });
}

describe('simTransport', () => {
  it('emits listening, then one peer per remote endpoint, and serves two peers their own replies', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { delayMs: 20 } });
    const events: TransportEvent[] = [];
    const links: PeerLink[] = [];
    const open = upperServer(net, events, links);
    expect(events).toEqual([{ type: 'listening', local: server }]);

    const replies: Record<string, string[]> = { a: [], b: [] };
    const clients = new Subscription();
    for (const name of ['a', 'b'] as const) {
      clients.add(
        net.bind().subscribe((s) => {
          s.datagrams.subscribe((d) => replies[name]?.push(text(d.data)));
          for (let i = 0; i < 3; i++) s.send(bytes(`${name}${i}`), server).subscribe();
        }),
      );
    }
    net.flush();
    expect(events.map((e) => e.type)).toEqual(['listening', 'peer', 'peer']);
    expect(links.map((l) => l.id)).toEqual(['sim:127.0.0.1:49152', 'sim:127.0.0.1:49153']);
    expect(links.every((l) => l.pause === undefined && l.local.port === SIM_PORT)).toBe(true);
    expect(replies).toEqual({
      a: ['sim:127.0.0.1:49152 A0', 'sim:127.0.0.1:49152 A1', 'sim:127.0.0.1:49152 A2'],
      b: ['sim:127.0.0.1:49153 B0', 'sim:127.0.0.1:49153 B1', 'sim:127.0.0.1:49153 B2'],
    });
    expect(net.now()).toBe(40); // one round trip of 2 × 20 ms

    // Unsubscribing closes every link and unbinds the port.
    let completed = 0;
    for (const l of links) l.inbound.subscribe({ complete: () => completed++ });
    open.unsubscribe();
    clients.unsubscribe();
    expect(completed).toBe(2);
    const again = net.bind({ port: SIM_PORT }).subscribe();
    expect(again.closed).toBe(false);
    again.unsubscribe();
  });

  it('keeps datagrams that arrive before the peer inbound is subscribed, up to a limit', () => {
    const net = new SimNetwork();
    const events: TransportEvent[] = [];
    const open = simTransport(net, { port: SIM_PORT }, { maxBacklogPerPeer: 2 })
      .open()
      .subscribe((e) => events.push(e));
    let send = (_: string) => {};
    net.bind().subscribe((s) => {
      send = (m) => s.send(bytes(m), server).subscribe();
    });
    for (let i = 0; i < 3; i++) send(`m${i}`);
    net.flush();
    expect(events.map((e) => e.type)).toEqual(['listening', 'peer', 'rejected']);
    const peer = events[1];
    if (peer?.type !== 'peer') throw new Error('no peer');
    const got: string[] = [];
    const reading = peer.link.inbound.subscribe((m) => got.push(text(m)));
    expect(got).toEqual(['m0', 'm1']);
    send('m3');
    net.flush();
    expect(got).toEqual(['m0', 'm1', 'm3']);
    // A peer whose consumer went away: its datagrams are reported, not lost in silence.
    reading.unsubscribe();
    send('m4');
    net.flush();
    expect(events.slice(2).map((e) => (e.type === 'rejected' ? e.reason : e.type))).toEqual([
      'sim:127.0.0.1:49152 backlog full (maxBacklogPerPeer 2)',
      'sim:127.0.0.1:49152 is not reading its inbound',
    ]);
    open.unsubscribe();
  });

  it('makes a new peer after a link is closed', () => {
    const net = new SimNetwork();
    const events: TransportEvent[] = [];
    const links: PeerLink[] = [];
    const open = upperServer(net, events, links);
    let send = (_: string) => {};
    const client = net.bind().subscribe((s) => {
      send = (m) => s.send(bytes(m), server).subscribe();
    });
    send('one');
    net.flush();
    links[0]?.close();
    send('two');
    net.flush();
    expect(events.filter((e) => e.type === 'peer')).toHaveLength(2);
    open.unsubscribe();
    client.unsubscribe();
  });

  it('bounds the peer table, counts, and checks its options', () => {
    const net = new SimNetwork();
    const transport = simTransport(net, { port: SIM_PORT }, { maxPeers: 1, whenFull: 'reject' });
    const events: TransportEvent[] = [];
    const open = transport.open().subscribe((e) => events.push(e));
    for (const name of ['a', 'b']) {
      net.bind().subscribe((s) => s.send(bytes(name), server).subscribe());
    }
    net.flush();
    expect(events.map((e) => e.type)).toEqual(['listening', 'peer', 'rejected']);
    expect(transport.stats).toEqual({ peers: 1, peersOpened: 1, received: 2, rejected: 1, evicted: 0 });
    open.unsubscribe();
    expect(transport.stats.peers).toBe(0);
    for (const bad of [{ maxPeers: 0 }, { maxBacklogPerPeer: 1.5 }]) {
      expect(() => simTransport(net, {}, bad)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('reports a busy port as an error of open()', () => {
    const net = new SimNetwork();
    const holder = net.bind({ port: SIM_PORT }).subscribe();
    let error: unknown;
    simTransport(net, { port: SIM_PORT })
      .open()
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(isPortaError(error, 'ADDRESS_IN_USE')).toBe(true);
    holder.unsubscribe();
  });
});
