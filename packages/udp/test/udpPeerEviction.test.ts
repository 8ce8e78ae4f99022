import { type Peer, type ServerEvent, type ServerHandle, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { connectUdp, udpTransport } from '@porta/udp';
import { EMPTY, of, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { floodFromPorts } from '../../../test/support/udpFlood.js';
import { ascii, first, opener } from './helpers.js';

/** Waits (bounded by wall time) until `condition` holds. */
async function until(condition: () => boolean, what = 'the condition', limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

trackHandles();
const open = opener();
const running: Subscription[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.unsubscribe();
});

const FLOOD = ascii('flood');

/**
 * Echoes, except the flood (left unanswered: a reply to a source port already closed would make
 * the OS report "port unreachable" and end that peer's actor, freeing its slot before eviction could).
 */
const answerAllButFlood = (peer: Peer) =>
  peer.handle((m) => (new TextDecoder().decode(m) === 'flood' ? EMPTY : of(m)));

describe('udpTransport peer table under a flood from many source ports (defaults)', () => {
  it('a newcomer is served after 1,100 source ports filled the 1,024-peer table; the evictions are counted', async () => {
    const transport = udpTransport({ port: 0 });
    const events: ServerEvent[] = [];
    running.push(serve(transport, answerAllButFlood).subscribe((e) => events.push(e)));
    await until(() => events.length > 0);
    const listening = events[0];
    if (listening?.type !== 'listening') throw new Error('expected listening first');
    const server: ServerHandle = listening.server;

    await floodFromPorts(listening.local.port, 1_100, FLOOD);
    await until(() => transport.stats.received === 1_100, 'the flood to arrive', 10_000);
    expect(transport.stats.peers).toBe(1_024);

    const { value: newcomer } = await open(connectUdp(listening.local));
    const reply = first(newcomer.messages);
    await first(newcomer.send(ascii('let me in')));
    expect(new TextDecoder().decode(await reply)).toBe('let me in');
    // (The OS may hand a closed socket's port to a later one: count peers, not sockets.)
    const { peersOpened, evicted, rejected } = transport.stats;
    expect(peersOpened).toBeGreaterThan(1_024);
    expect(evicted).toBe(peersOpened - 1_024);
    expect(rejected).toBe(0);
    // Each evicted peer's actor ended (its link errored): the table and the actors stay bounded.
    await until(() => server.stats().active === 1_024, 'evicted actors to close');
    expect(server.stats().closed).toBe(evicted);
  });

  it("whenFull: 'reject' keeps the old rule: the newcomer is refused while the table is full", async () => {
    const transport = udpTransport({ port: 0, maxPeers: 8, whenFull: 'reject' });
    const events: ServerEvent[] = [];
    running.push(serve(transport, answerAllButFlood).subscribe((e) => events.push(e)));
    await until(() => events.length > 0);
    const listening = events[0];
    if (listening?.type !== 'listening') throw new Error('expected listening first');
    await floodFromPorts(listening.local.port, 20, FLOOD);
    await until(() => transport.stats.received === 20, 'the flood to arrive');
    const { peers, peersOpened, rejected, evicted } = transport.stats;
    expect({ peers, peersOpened, evicted }).toEqual({ peers: 8, peersOpened: 8, evicted: 0 });
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBe(20 - listening.server.stats().messagesIn);
  });

  it('the least recently active peer is the one evicted: a peer that keeps talking keeps its actor', async () => {
    const transport = udpTransport({ port: 0, maxPeers: 16 });
    const events: ServerEvent[] = [];
    running.push(serve(transport, answerAllButFlood).subscribe((e) => events.push(e)));
    await until(() => events.length > 0);
    const listening = events[0];
    if (listening?.type !== 'listening') throw new Error('expected listening first');
    const { value: regular } = await open(connectUdp(listening.local));
    const replies: string[] = [];
    running.push(regular.messages.subscribe((m) => replies.push(new TextDecoder().decode(m))));
    for (let round = 0; round < 5; round++) {
      await first(regular.send(ascii(`r${round}`)));
      await until(() => replies.length === round + 1, 'the regular client to be answered');
      await floodFromPorts(listening.local.port, 10, FLOOD); // 10 newcomers: fewer than the table holds
    }
    const opened = events.filter((e) => e.type === 'opened' && e.peer.remote.port === regular.local.port);
    expect(opened).toHaveLength(1); // never evicted, never re-opened
    expect(transport.stats.evicted).toBe(transport.stats.peersOpened - 16);
    expect(transport.stats.evicted).toBeGreaterThan(0);
  });
});
