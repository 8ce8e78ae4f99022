import { describe, expect, it } from 'vitest';
import { KcpControl } from '../../src/kcp/kcpControl.js';
import type { KcpControlOptions } from '../../src/kcp/kcpControlOptions.js';
import { KCP_MODES, kcpMode } from '../../src/kcp/kcpProfile.js';
import { kcpRtoPolicy } from '../../src/kcp/kcpRtoPolicy.js';
import {
  decodeKcpSegments,
  encodeKcpSegments,
  KcpCommand,
  type KcpSegment,
} from '../../src/kcp/kcpSegment.js';

/** Two KCP machines on a hand-driven clock; packets wait in `wire` until delivered or dropped. */
function harness(options: Partial<KcpControlOptions> = {}, peerOptions: Partial<KcpControlOptions> = {}) {
  let now = 0;
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const a = new KcpControl({ conv: 9, output: (p) => toB.push(p), now: () => now, ...options });
  const b = new KcpControl({ conv: 9, output: (p) => toA.push(p), now: () => now, ...peerOptions });
  return {
    a,
    b,
    toB,
    toA,
    advance: (ms: number) => {
      now += ms;
    },
    /** Delivers every waiting packet both ways (until quiet), dropping those `drop` says. */
    exchange(drop: (segments: KcpSegment[], toPeer: boolean) => boolean = () => false) {
      for (let round = 0; round < 50 && (toA.length > 0 || toB.length > 0); round++) {
        for (const p of toB.splice(0)) {
          const s = decodeKcpSegments(p);
          if (!drop(s, true)) b.input(s);
        }
        for (const p of toA.splice(0)) {
          const s = decodeKcpSegments(p);
          if (!drop(s, false)) a.input(s);
        }
      }
    },
  };
}

const pushes = (packets: Uint8Array[], reserved = 0) =>
  packets.flatMap((p) => decodeKcpSegments(p.subarray(reserved))).filter((s) => s.cmd === KcpCommand.PUSH);

function readAll(k: KcpControl): number[] {
  const out: number[] = [];
  for (let chunk = k.receive(); chunk; chunk = k.receive()) out.push(...chunk);
  return out;
}

describe('KcpControl', () => {
  it('cuts writes into segments of mtu − 24 − reserved bytes; stream mode coalesces, message mode counts frg down', () => {
    const stream = harness({ mtu: 1350, reserved: 20 });
    expect(stream.a.mss).toBe(1306);
    stream.a.send(new Uint8Array(1000));
    stream.a.send(new Uint8Array(2000));
    stream.a.flush();
    expect(pushes(stream.toB, 20).map((s) => [s.data.length, s.frg])).toEqual([
      [1306, 0],
      [1306, 0],
      [388, 0],
    ]);
    expect(stream.toB.every((p) => p.length <= 1350)).toBe(true);

    const message = harness({ mtu: 1350, streamMode: false }, { streamMode: false });
    message.a.send(new Uint8Array(3000).fill(7));
    message.a.flush();
    expect(pushes(message.toB).map((s) => s.frg)).toEqual([2, 1, 0]);
    message.exchange();
    expect(message.b.receive()).toEqual(new Uint8Array(3000).fill(7));
    expect(() => message.a.send(new Uint8Array(1326 * 256))).toThrow(/at most 255 fit/);
  });

  it('delivers in order and acknowledges with per-segment ACKs plus the cumulative una', () => {
    const h = harness();
    h.a.send(Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff));
    h.a.flush();
    h.exchange();
    expect(readAll(h.b)).toEqual(Array.from({ length: 5000 }, (_, i) => i & 0xff));
    h.b.flush(); // ACKs go at the next flush (ackNoDelay off, kcptun's default)
    const acks = h.toA.flatMap((p) => decodeKcpSegments(p)).filter((s) => s.cmd === KcpCommand.ACK);
    expect(acks.map((s) => s.sn)).toEqual([3]);
    expect(acks.every((s) => s.una === 4)).toBe(true);
    h.exchange();
    expect(h.a.inFlight).toBe(0);
  });

  it('resends a segment as soon as fastResend later segments were acknowledged, before its RTO', () => {
    const h = harness({ tuning: { ...KCP_MODES.fast, fastResend: 2 } });
    h.a.send(new Uint8Array(1326 * 4));
    h.a.flush();
    h.exchange((segments, toPeer) => toPeer && segments.some((s) => s.cmd === KcpCommand.PUSH && s.sn === 0));
    h.b.flush();
    h.exchange((segments, toPeer) => toPeer && segments.some((s) => s.sn === 0 && s.cmd === KcpCommand.PUSH));
    h.advance(10);
    h.a.flush();
    expect(pushes(h.toB).map((s) => s.sn)).toEqual([0]);
    expect(h.a.stats.fastRetransmits + h.a.stats.earlyRetransmits).toBe(1);
    expect(h.a.stats.timeoutRetransmits).toBe(0);
  });

  it('early-resends an overtaken segment at the first flush without new data, even after flushes that sent only new data', () => {
    const h = harness({ tuning: { ...KCP_MODES.fast, fastResend: 2 } });
    h.a.send(new Uint8Array(1326 * 2));
    h.a.flush();
    h.exchange((segments, toPeer) => toPeer && segments.some((s) => s.cmd === KcpCommand.PUSH && s.sn === 0));
    h.b.flush();
    h.exchange(); // sn 1's ACK: sn 0 overtaken once (below fastResend)
    h.a.send(new Uint8Array(10));
    h.a.flush(); // new data goes out: no early resend yet
    expect(pushes(h.toB.splice(0)).map((s) => s.sn)).toEqual([2]);
    h.a.flush();
    expect(pushes(h.toB.splice(0)).map((s) => s.sn)).toEqual([0]);
    expect(h.a.stats.earlyRetransmits).toBe(1);
    expect(h.a.stats.timeoutRetransmits).toBe(0);
  });

  it('keeps the timers of segments already sent while flushes send only new ones: a lost segment is resent at its RTO', () => {
    const h = harness({ tuning: { ...KCP_MODES.normal, intervalMs: 10 } });
    h.a.send(Uint8Array.of(1));
    h.a.flush();
    h.toB.length = 0;
    const resentAt: number[] = [];
    for (let t = 10; t <= 200; t += 10) {
      h.advance(10);
      // Each new write closes the segment before it, so every flush has one new segment to send.
      if (t <= 150) h.a.send(new Uint8Array(h.a.mss));
      h.a.flush();
      if (pushes(h.toB.splice(0)).some((s) => s.sn === 0)) resentAt.push(t);
    }
    expect(resentAt).toEqual([200]);
    expect(h.a.stats.timeoutRetransmits).toBe(1);
  });

  it("retransmits on timeout after KCP's RTO, growing it linearly (KCP) or doubling it (RFC 6298)", () => {
    for (const [rto, waits] of [
      ['kcp', [200, 400, 600]],
      ['rfc6298', [200, 400, 800]],
    ] as const) {
      const h = harness({ rto, tuning: { ...KCP_MODES.normal, intervalMs: 10 } });
      h.a.send(Uint8Array.of(1));
      h.a.flush();
      h.toB.length = 0;
      const times: number[] = [];
      let t = 0;
      for (let step = 0; step < 1500 / 10; step++) {
        h.advance(10);
        t += 10;
        h.a.flush();
        if (pushes(h.toB.splice(0)).length > 0) times.push(t);
      }
      expect(times.slice(0, 3)).toEqual([waits[0], waits[0] + waits[1], waits[0] + waits[1] + waits[2]]);
    }
  });

  it('never has more segments in flight than the smaller of its send window and the peer’s window', () => {
    const h = harness({ sendWindow: 8 }, { receiveWindow: 4 });
    h.a.send(new Uint8Array(1326 * 40));
    h.a.flush();
    expect(h.a.inFlight).toBe(8); // the peer has not spoken: ikcp.c assumes 32
    h.toB.length = 0;
    // The peer reads nothing: its window shrinks to 0 as its queue fills.
    for (let i = 0; i < 30; i++) {
      h.advance(300);
      h.a.flush();
      h.b.flush();
      h.exchange();
      expect(h.a.inFlight).toBeLessThanOrEqual(8);
      expect(h.b.bufferedSegments).toBeLessThanOrEqual(2 * 4);
    }
    expect(h.a.remoteWindow).toBe(0);
  });

  it('probes a zero window with WASK after 7 s, then ×1.5 up to 120 s, retransmitting nothing meanwhile', () => {
    const h = harness({}, { receiveWindow: 1 });
    h.a.send(new Uint8Array(1326 * 3));
    h.a.flush();
    h.exchange();
    h.b.flush();
    h.exchange();
    expect(h.a.remoteWindow).toBe(0);
    h.toB.length = 0;
    const probes: number[] = [];
    let packets = 0;
    // The peer never reads, but answers every probe (WINS with window 0).
    for (let t = 30; t <= 600_000; t += 30) {
      h.advance(30);
      h.a.flush();
      packets += h.toB.length;
      for (const p of h.toB)
        for (const s of decodeKcpSegments(p)) if (s.cmd === KcpCommand.WASK) probes.push(t);
      h.b.flush();
      h.exchange();
    }
    const gaps = probes.slice(1).map((t, i) => t - (probes[i] as number));
    expect(probes[0]).toBeCloseTo(7_000, -2);
    expect(gaps.slice(0, 3).map((g) => Math.round(g / 100) * 100)).toEqual([10_500, 15_800, 23_600]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(120_030);
    expect(h.a.stats.timeoutRetransmits).toBe(0);
    expect(h.a.isDead).toBe(false);
    expect(packets).toBe(probes.length); // one probe per packet, nothing else: no spin
  });

  it('tells the peer with WINS when reading reopens a full receive window', () => {
    const h = harness({}, { receiveWindow: 2 });
    h.a.send(new Uint8Array(1326 * 4));
    h.a.flush();
    h.exchange();
    h.b.flush();
    h.exchange();
    expect(h.a.remoteWindow).toBe(0);
    h.toA.length = 0;
    expect(readAll(h.b)).toHaveLength(1326 * 4);
    h.b.flush();
    const sent = h.toA.flatMap((p) => decodeKcpSegments(p));
    expect(sent.some((s) => s.cmd === KcpCommand.WINS && s.wnd > 0)).toBe(true);
    h.exchange();
    expect(h.a.remoteWindow).toBeGreaterThan(0);
  });

  it('declares the link dead once one segment was sent deadLink times', () => {
    const h = harness({ deadLink: 5, tuning: KCP_MODES.fast3 });
    h.a.send(Uint8Array.of(1));
    for (let i = 0; i < 10_000 && !h.a.isDead; i++) {
      h.advance(10);
      h.a.flush();
    }
    expect(h.a.isDead).toBe(true);
    expect(h.a.deadTransmissions).toBe(5);
  });

  it('refuses and counts what a hostile peer claims: ACKs never sent, una beyond what was sent, oversize payloads, impossible frg', () => {
    const h = harness({ streamMode: false, receiveWindow: 128 });
    h.a.send(Uint8Array.of(1, 2, 3));
    h.a.flush();
    const base = { conv: 9, frg: 0, wnd: 32, ts: 0, una: 0, data: new Uint8Array(0) };
    h.a.input([{ ...base, cmd: KcpCommand.ACK, sn: 500 }]);
    expect(h.a.stats.strayAcks).toBe(1);
    expect(h.a.inFlight).toBe(1);
    h.a.input([{ ...base, cmd: KcpCommand.ACK, sn: 0, una: 1000 }]);
    expect(h.a.stats.refusedSegments).toBe(1);
    expect(h.a.inFlight).toBe(1);
    h.a.input([{ ...base, cmd: KcpCommand.PUSH, sn: 0, data: new Uint8Array(4000) }]);
    h.a.input([{ ...base, cmd: KcpCommand.PUSH, sn: 0, frg: 200, data: Uint8Array.of(1) }]);
    expect(h.a.stats.refusedSegments).toBe(3);
    expect(h.a.bufferedSegments).toBe(0);
    h.a.input([{ ...base, conv: 10, cmd: KcpCommand.PUSH, sn: 0, data: Uint8Array.of(1) }]);
    expect(h.a.stats.refusedSegments).toBe(4);
  });

  it('takes no round-trip sample from an ACK echoing a time in the future, and one from an ACK that una beat', () => {
    const h = harness();
    h.a.send(Uint8Array.of(1));
    h.a.flush();
    const before = h.a.rto;
    h.advance(50);
    // A forged ACK echoing a time the segment was never sent at.
    h.a.input([
      { conv: 9, cmd: KcpCommand.ACK, frg: 0, wnd: 32, ts: 999_999, sn: 0, una: 0, data: new Uint8Array(0) },
    ]);
    expect(h.a.rto).toBe(before);
    expect(h.a.inFlight).toBe(0);
    // A second segment, acknowledged by una first, then by its own ACK 80 ms after it was sent.
    h.a.send(Uint8Array.of(2));
    h.a.flush();
    h.advance(80);
    const ack = { conv: 9, frg: 0, wnd: 32, data: new Uint8Array(0) };
    h.a.input([{ ...ack, cmd: KcpCommand.WINS, ts: 0, sn: 0, una: 2 }]);
    expect(h.a.inFlight).toBe(0);
    h.a.input([{ ...ack, cmd: KcpCommand.ACK, ts: 50, sn: 1, una: 2 }]);
    expect(h.a.rto).toBe(80 + Math.max(30, 4 * 40)); // first sample R = 80: SRTT 80, RTTVAR 40
  });
});

describe("KCP's modes and RTO", () => {
  it("are kcptun's: normal 0,40,2,1 · fast 0,30,2,1 · fast2 1,20,2,1 · fast3 1,10,2,1", () => {
    const row = (m: keyof typeof KCP_MODES) => {
      const t = kcpMode(m);
      return [Number(t.nodelay), t.intervalMs, t.fastResend, Number(!t.congestionControl)];
    };
    expect([row('normal'), row('fast'), row('fast2'), row('fast3')]).toEqual([
      [0, 40, 2, 1],
      [0, 30, 2, 1],
      [1, 20, 2, 1],
      [1, 10, 2, 1],
    ]);
    expect(() => kcpMode('turbo')).toThrow(/unknown KCP mode 'turbo'/);
  });

  it("KCP's estimator: first sample R gives SRTT R, RTTVAR R/2, RTO R + max(interval, 2R), floored at 30 ms with nodelay", () => {
    const kcp = kcpRtoPolicy('kcp', { nodelay: false, intervalMs: 30 });
    expect(kcp.rto).toBe(200);
    kcp.sample(100);
    expect(kcp.rto).toBe(300);
    const fast = kcpRtoPolicy('kcp', { nodelay: true, intervalMs: 10 });
    fast.sample(1);
    expect(fast.rto).toBe(30);
    const rfc = kcpRtoPolicy('rfc6298', { nodelay: false, intervalMs: 30 });
    rfc.sample(100);
    expect(rfc.rto).toBe(300);
    expect(rfc.backoff(300)).toBe(600);
    expect(kcp.backoff(300)).toBe(600);
  });

  it('encodes ACK packets that fit the MTU however many ACKs are pending', () => {
    const h = harness({ mtu: 100 });
    for (let sn = 0; sn < 20; sn++) {
      h.a.input([
        { conv: 9, cmd: KcpCommand.PUSH, frg: 0, wnd: 32, ts: sn, sn, una: 0, data: Uint8Array.of(sn) },
      ]);
    }
    h.a.flush();
    expect(h.toB.every((p) => p.length <= 100)).toBe(true);
    expect(encodeKcpSegments([]).length).toBe(0);
  });
});
