import type { Endpoint } from '@porta/core';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kcpGoPacketLayer } from '../../src/kcp/kcpPacketLayer.js';
import { KcpSession } from '../../src/kcp/kcpSession.js';
import { type KcpSessionWire, resolveKcpOptions } from '../../src/kcp/kcpSessionOptions.js';
import { concat, patternBytes } from './kcpSim.js';

const a: Endpoint = { address: '127.0.0.1', port: 1, family: 'IPv4' };
const b: Endpoint = { address: '127.0.0.1', port: 2, family: 'IPv4' };

/**
 * Two sessions whose wires hand each datagram straight to the other's `input`, inside the send: a
 * datagram arrives while the receiving session is still taking the one before (its reply goes
 * out from inside its own input). Every `drop`-th datagram is lost.
 */
function nestedPair(fec: boolean, drop: number) {
  const scheduler = new VirtualTimeScheduler();
  const options = resolveKcpOptions({
    scheduler,
    packetLayer: kcpGoPacketLayer({ crypt: 'aes' }),
    ...(fec ? { dataShards: 4, parityShards: 2 } : {}),
  });
  let sent = 0;
  const delivered = new Map<KcpSession, number>();
  let depth = 0;
  let deepest = 0;
  const sessions: KcpSession[] = [];
  const wire = (local: Endpoint, remote: Endpoint, peer: () => KcpSession): KcpSessionWire => ({
    local,
    remote,
    transmit: (datagram) => {
      if (++sent % drop === 0) return;
      depth++;
      deepest = Math.max(deepest, depth);
      delivered.set(peer(), (delivered.get(peer()) ?? 0) + 1);
      peer().input(datagram);
      depth--;
    },
    closed: () => undefined,
  });
  sessions.push(
    new KcpSession(
      7,
      wire(a, b, () => sessions[1] as KcpSession),
      options,
    ),
  );
  sessions.push(
    new KcpSession(
      7,
      wire(b, a, () => sessions[0] as KcpSession),
      options,
    ),
  );
  return {
    scheduler,
    left: sessions[0] as KcpSession,
    right: sessions[1] as KcpSession,
    deepest: () => deepest,
    delivered: (s: KcpSession) => delivered.get(s) ?? 0,
  };
}

describe('KcpSession.input while another datagram is being taken', () => {
  for (const fec of [false, true]) {
    it(`carries both directions exactly when datagrams arrive inside sends (FEC ${fec ? 'on' : 'off'})`, () => {
      const { scheduler, left, right, deepest, delivered } = nestedPair(fec, 9);
      const toRight = patternBytes(150_000, 3);
      const toLeft = patternBytes(120_000, 4);
      const gotRight: Uint8Array[] = [];
      const gotLeft: Uint8Array[] = [];
      right.bytes.subscribe((c) => gotRight.push(c.slice()));
      left.bytes.subscribe((c) => gotLeft.push(c.slice()));
      left.send(toRight).subscribe();
      right.send(toLeft).subscribe();
      scheduler.maxFrames = 60_000;
      scheduler.flush();
      expect(deepest()).toBeGreaterThan(1);
      expect(concat(gotRight)).toEqual(toRight);
      expect(concat(gotLeft)).toEqual(toLeft);
      expect(left.stats.malformedPackets + right.stats.malformedPackets).toBe(0);
      if (fec) expect(left.stats.fecRecovered + right.stats.fecRecovered).toBeGreaterThan(0);
      // Each datagram's packets are taken once: every data shard (or plain packet) and every
      // rebuilt one, none twice, none dropped (a nested input that shared the outer one's array
      // took the outer's packets again, or cut its loop short).
      for (const s of [left, right]) {
        const { packetsReceived, fecParityShards, fecRecovered } = s.stats;
        expect(packetsReceived).toBe(delivered(s) - fecParityShards + fecRecovered);
      }
      left.close();
      right.close();
    });
  }
});
