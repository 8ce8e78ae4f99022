import { isPortaError } from '@porta/core';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/simNetwork.js';
import { concat, patternBytes, simKcpPair } from './kcpSim.js';

describe('KcpSession on the simulated network', () => {
  it('carries 200 KiB exactly and in order through 10% loss each way', () => {
    const net = new SimNetwork({ seed: 3, defaultLink: { lossRate: 0.1, delayMs: 20 } });
    const received: Uint8Array[] = [];
    const pair = simKcpPair(net, {}, {}, (s) => s.bytes.subscribe((c) => received.push(c)));
    const data = patternBytes(200 * 1024);
    let sent = false;
    pair.client.send(data).subscribe({ complete: () => (sent = true) });
    net.advanceBy(30_000);
    expect(pair.accepted).toHaveLength(1);
    expect(sent).toBe(true);
    expect(concat(received)).toEqual(data);
    expect(pair.client.stats.retransmitted).toBeGreaterThan(0);
    pair.subscription.unsubscribe();
  });

  it('ends with KCP_DEAD_LINK when every packet is lost', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { lossRate: 1 } });
    const pair = simKcpPair(net);
    let failure: unknown;
    pair.client.bytes.subscribe({ error: (e) => (failure = e) });
    pair.client.send(patternBytes(10)).subscribe();
    net.advanceBy(600_000);
    expect(isPortaError(failure, 'KCP_DEAD_LINK')).toBe(true);
    pair.subscription.unsubscribe();
  });
});
