import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEC_DATA, FEC_PARITY } from '../../src/kcp/fec/kcpFec.js';
import { kcpGoPacketLayer, rawKcpPacketLayer } from '../../src/kcp/kcpPacketLayer.js';
import { kcpPacketPipeline } from '../../src/kcp/kcpPacketPipeline.js';
import { SimNetwork } from '../../src/sim/simNetwork.js';
import { concat, patternBytes, simKcpPair } from './kcpSim.js';

/** A packet with `overhead` free bytes, then `body`. */
function packetOf(overhead: number, body: Uint8Array): Uint8Array {
  const p = new Uint8Array(overhead + body.length);
  p.set(body, overhead);
  return p;
}

describe("the packet pipeline with kcp-go's FEC", () => {
  it("writes kcp-go's FEC header: seqid, 0xf1 data / 0xf2 parity, and size = 2 + the segments", () => {
    const pipeline = kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 2, parityShards: 1 });
    expect(pipeline.overhead).toBe(8);
    const sent: Uint8Array[] = [];
    for (const n of [30, 50]) pipeline.seal(packetOf(8, new Uint8Array(n).fill(n)), (d) => sent.push(d));
    expect(sent).toHaveLength(3);
    const header = (d: Uint8Array) => {
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      return [v.getUint32(0, true), v.getUint16(4, true)];
    };
    expect(sent.map(header)).toEqual([
      [0, FEC_DATA],
      [1, FEC_DATA],
      [2, FEC_PARITY],
    ]);
    expect(new DataView((sent[0] as Uint8Array).buffer).getUint16(6, true)).toBe(32);
    // The parity covers size…end of the longest data shard.
    expect((sent[2] as Uint8Array).length).toBe(6 + 52);
  });

  it('delivers every packet, for any loss of at most parityShards shards per group (aes inside)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 24, max: 1300 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (data, parity, sizes, lossPicks) => {
          const layer = kcpGoPacketLayer({ crypt: 'aes', key: 'k' });
          const sender = kcpPacketPipeline(layer, { dataShards: data, parityShards: parity });
          const receiver = kcpPacketPipeline(layer, { dataShards: data, parityShards: parity });
          const bodies = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff));
          const wire: Uint8Array[] = [];
          for (const b of bodies) sender.seal(packetOf(sender.overhead, b), (d) => wire.push(d));
          // Lose up to `parity` shards in each complete group of data + parity.
          const group = data + parity;
          const lost = new Set<number>();
          const complete = Math.floor(wire.length / group);
          for (let g = 0; g < complete; g++) {
            for (const pick of lossPicks.slice(g * parity, g * parity + parity))
              lost.add(g * group + (pick % group));
          }
          const received: Uint8Array[] = [];
          wire.forEach((d, i) => {
            if (!lost.has(i)) receiver.open(d, (p) => received.push(p.slice()));
          });
          const key = (b: Uint8Array) => Buffer.from(b).toString('hex');
          const got = new Set(received.map(key));
          // Every packet of a complete group arrives; of the last, partial group only those not lost.
          bodies.forEach((b, i) => {
            const at = Math.floor(i / data) * group + (i % data);
            if (at < complete * group || !lost.has(at)) expect(got.has(key(b))).toBe(true);
          });
          const lostData = [...lost].filter((i) => i % group < data).length;
          expect(receiver.stats.fecRecovered).toBe(lostData);
          expect(receiver.stats.fecErrors).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('without FEC still reads a peer’s data shards and counts its parity shards', () => {
    const fec = kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 1, parityShards: 1 });
    const plain = kcpPacketPipeline(rawKcpPacketLayer);
    const wire: Uint8Array[] = [];
    fec.seal(packetOf(8, new Uint8Array(24).fill(9)), (d) => wire.push(d));
    const got: Uint8Array[] = [];
    for (const d of wire) plain.open(d, (p) => got.push(p));
    expect(got).toEqual([new Uint8Array(24).fill(9)]);
    expect(plain.stats.fecParityShards).toBe(1);
  });

  it('refuses a cut-short FEC header with KCP_MALFORMED and shard counts kcp-go could not use', () => {
    const pipeline = kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 2, parityShards: 1 });
    expect(() => pipeline.open(Uint8Array.of(0, 0, 0, 0, 0xf1, 0, 1), () => undefined)).toThrow(
      expect.objectContaining({ code: 'KCP_MALFORMED' }),
    );
    expect(() => kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 250, parityShards: 7 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('keeps at most three open groups in memory, giving up the oldest (counted)', () => {
    const sender = kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 4, parityShards: 2 });
    const receiver = kcpPacketPipeline(rawKcpPacketLayer, { dataShards: 4, parityShards: 2 });
    const wire: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) sender.seal(packetOf(8, new Uint8Array(24).fill(i)), (d) => wire.push(d));
    // Lose three shards of every group: none can be repaired.
    wire.forEach((d, i) => {
      if (i % 6 >= 3) receiver.open(d, () => undefined);
    });
    expect(receiver.stats.fecRecovered).toBe(0);
    expect(receiver.stats.fecShortGroups).toBeGreaterThanOrEqual(10 - 3 - 1);
  });
});

describe('a KCP session with aes and FEC 10/3 (kcptun’s defaults) on the simulated network', () => {
  it('carries 200 KiB exactly through 10% loss each way, repairing lost packets from parity', () => {
    const net = new SimNetwork({ seed: 4, defaultLink: { lossRate: 0.1, delayMs: 20 } });
    const options = {
      packetLayer: kcpGoPacketLayer({ crypt: 'aes' as const }),
      dataShards: 10,
      parityShards: 3,
    };
    const received: Uint8Array[] = [];
    const pair = simKcpPair(net, options, options, (s) => s.bytes.subscribe((c) => received.push(c)));
    const data = patternBytes(200 * 1024);
    pair.client.send(data).subscribe();
    net.advanceBy(30_000);
    expect(concat(received)).toEqual(data);
    expect(pair.client.mss).toBe(1350 - 24 - 28);
    const server = pair.accepted[0];
    expect(server?.stats.fecRecovered).toBeGreaterThan(0);
    expect(server?.stats.fecErrors).toBe(0);
    expect(server?.stats.malformedPackets).toBe(0);
    pair.subscription.unsubscribe();
  });
});
