import { isPortaError } from '@porta/core';
import { describe, expect, it } from 'vitest';
import { kcpGoPacketLayer } from '../../src/kcp/kcpPacketLayer.js';
import { encodeKcpSegments, KcpCommand } from '../../src/kcp/kcpSegment.js';
import { SimNetwork } from '../../src/sim/simNetwork.js';
import type { SimSocket } from '../../src/sim/simSocket.js';
import { patternBytes, simKcpPair, simServer } from './kcpSim.js';

const layer = kcpGoPacketLayer();
/** A kcp-go packet (nonce, CRC32, segments) as an attacker would forge it. */
function forged(segments: Parameters<typeof encodeKcpSegments>[0]): Uint8Array {
  const body = encodeKcpSegments(segments);
  const packet = new Uint8Array(20 + body.length);
  packet.set(body, 20);
  return layer.seal(packet);
}
const base = { frg: 0, wnd: 128, ts: 0, sn: 0, una: 0, data: new Uint8Array(0) };

function attacker(net: SimNetwork, address = '127.0.0.1'): SimSocket {
  let socket: SimSocket | undefined;
  net.bind({ address }).subscribe((s) => (socket = s));
  if (!socket) throw new Error('no socket');
  return socket;
}

describe('KCP against hostile peers (simulated network, virtual time)', () => {
  it('drops and counts a forged conv from the session’s own address; the session goes on', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { delayMs: 5 } });
    const received: Uint8Array[] = [];
    const pair = simKcpPair(net, {}, {}, (s) => s.bytes.subscribe((c) => received.push(c)));
    pair.client.send(patternBytes(100)).subscribe();
    net.advanceBy(100);
    const server = pair.accepted[0];
    if (!server) throw new Error('no session');
    // The attacker spoofs the client's address and port with another conv and with garbage.
    const client = pair.clientSocket.local;
    pair.clientSocket
      .send(forged([{ ...base, conv: 1234, cmd: KcpCommand.PUSH, data: Uint8Array.of(6, 6, 6) }]), simServer)
      .subscribe();
    pair.clientSocket.send(Uint8Array.of(1, 2, 3), simServer).subscribe();
    net.advanceBy(100);
    expect(server.stats.foreignConv).toBe(1);
    expect(server.stats.malformedPackets).toBe(1);
    expect(server.remote).toEqual(client);
    pair.client.send(patternBytes(100, 2)).subscribe();
    net.advanceBy(200);
    expect(received.reduce((n, r) => n + r.length, 0)).toBe(200);
    pair.subscription.unsubscribe();
  });

  it('drops a packet with a lying len or a bad CRC32 before it opens a session, and counts it', () => {
    const net = new SimNetwork({ seed: 1 });
    const drops: string[] = [];
    const pair = simKcpPair(net, {}, { onDrop: (reason) => drops.push(reason) });
    const evil = attacker(net, '127.0.0.9');
    const lying = encodeKcpSegments([{ ...base, conv: 5, cmd: KcpCommand.PUSH, data: Uint8Array.of(1) }]);
    new DataView(lying.buffer).setUint32(20, 60_000, true);
    const packet = new Uint8Array(20 + lying.length);
    packet.set(lying, 20);
    evil.send(layer.seal(packet), simServer).subscribe();
    const badCrc = forged([{ ...base, conv: 5, cmd: KcpCommand.PUSH, data: Uint8Array.of(1) }]);
    badCrc[19] = (badCrc[19] as number) ^ 0xff;
    evil.send(badCrc, simServer).subscribe();
    net.advanceBy(10);
    expect(drops).toEqual(['malformed', 'malformed']);
    expect(pair.accepted).toHaveLength(0);
    pair.subscription.unsubscribe();
  });

  it('bounds the session table under a flood of new convs, and the flood’s sessions end by silence', () => {
    const net = new SimNetwork({ seed: 1 });
    const drops: string[] = [];
    const pair = simKcpPair(
      net,
      {},
      { maxSessions: 8, silenceTimeoutMs: 5_000, onDrop: (reason) => drops.push(reason) },
    );
    for (let i = 0; i < 40; i++) {
      const evil = attacker(net, `127.0.1.${i + 1}`);
      evil
        .send(forged([{ ...base, conv: 1000 + i, cmd: KcpCommand.PUSH, data: Uint8Array.of(i) }]), simServer)
        .subscribe();
    }
    net.advanceBy(10);
    expect(pair.accepted).toHaveLength(8);
    expect(drops.filter((d) => d === 'session-limit')).toHaveLength(32);
    net.advanceBy(6_000);
    expect(pair.accepted.every((s) => s.isClosed)).toBe(true);
    // The table has room again: an honest client gets a session.
    pair.client.send(patternBytes(10)).subscribe();
    net.advanceBy(100);
    expect(pair.accepted).toHaveLength(9);
    expect(pair.accepted[8]?.conv).toBe(7);
    pair.subscription.unsubscribe();
  });

  it('answers ACKs for segments never sent by ignoring them (counted), without acknowledging real data', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { delayMs: 5 } });
    const pair = simKcpPair(net, { mode: 'normal' });
    pair.client.send(patternBytes(3000)).subscribe();
    // Before the server answers, a packet from the server's address acks sn 50..54 and a una far ahead.
    pair.serverSocket
      .send(
        forged([
          ...Array.from({ length: 5 }, (_, sn) => ({ ...base, conv: 7, cmd: KcpCommand.ACK, sn: 50 + sn })),
          { ...base, conv: 7, cmd: KcpCommand.ACK, sn: 0, una: 10_000 },
        ]),
        pair.clientSocket.local,
      )
      .subscribe();
    net.advanceBy(6);
    expect(pair.client.stats.strayAcks).toBe(5);
    expect(pair.client.stats.refusedSegments).toBe(1);
    expect(pair.client.stats.inFlight).toBeGreaterThan(0);
    pair.subscription.unsubscribe();
  });

  it('against a window of 0 forever (a peer that never reads), the sender probes, does not spin, and stays alive', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { delayMs: 10 } });
    const pair = simKcpPair(net, {}, { receiveWindow: 4 }, (s) => s.pause());
    let failure: unknown;
    pair.client.bytes.subscribe({ error: (e) => (failure = e) });
    let sendDone = false;
    pair.client.send(patternBytes(1306 * 200)).subscribe({ complete: () => (sendDone = true) });
    net.advanceBy(2_000);
    const before = net.stats.sent;
    net.advanceBy(600_000);
    const packets = net.stats.sent - before;
    expect(pair.client.stats.remoteWindow).toBe(0);
    expect(pair.client.stats.windowProbes).toBeGreaterThan(3);
    // Ten minutes: a probe every ≤120 s and its answer, a keepalive each way every 10 s — no spin.
    expect(packets).toBeLessThan(300);
    expect(failure).toBeUndefined();
    expect(sendDone).toBe(false);
    // The reader resumes: everything arrives.
    const server = pair.accepted[0];
    let got = 0;
    server?.bytes.subscribe((c) => (got += c.length));
    server?.resume();
    net.advanceBy(60_000);
    expect(got).toBe(1306 * 200);
    expect(sendDone).toBe(true);
    pair.subscription.unsubscribe();
  });

  it('ends a session whose peer vanished with KCP_DEAD_LINK (silence), even with nothing to send', () => {
    const net = new SimNetwork({ seed: 1 });
    const pair = simKcpPair(net, { silenceTimeoutMs: 30_000 });
    pair.client.send(Uint8Array.of(1)).subscribe();
    net.advanceBy(100);
    let failure: unknown;
    pair.client.bytes.subscribe({ error: (e) => (failure = e) });
    net.setLink({}, {}, { lossRate: 1 });
    net.advanceBy(31_000);
    expect(isPortaError(failure, 'KCP_DEAD_LINK') && failure.message).toMatch(
      /nothing received for 30000 ms/,
    );
    pair.subscription.unsubscribe();
  });
});
