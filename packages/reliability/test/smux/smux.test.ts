import { isPortaError } from '@porta/core';
import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../src/sim/simNetwork.js';
import {
  encodeSmuxFrame,
  parseSmuxFrame,
  SmuxCommand,
  type SmuxFrame,
  smuxFrames,
} from '../../src/smux/smuxFrame.js';
import { SmuxSession, type SmuxSessionOptions } from '../../src/smux/smuxSession.js';
import type { SmuxStream } from '../../src/smux/smuxStream.js';
import { concat, patternBytes, simKcpPair } from '../kcp/kcpSim.js';
import { memoryLinkPair } from './memoryLink.js';

const frame = (version: 1 | 2): fc.Arbitrary<SmuxFrame> =>
  fc
    .record({
      cmd: fc.constantFrom(...(version === 2 ? [0, 1, 2, 3, 4] : [0, 1, 2, 3])),
      sid: fc.integer({ min: 0, max: 0xffffffff }),
      data: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ cmd, sid, data }) => ({
      version,
      cmd: cmd as SmuxCommand,
      sid,
      data:
        cmd === SmuxCommand.PSH
          ? data
          : cmd === SmuxCommand.UPD
            ? data.slice(0, 8).length === 8
              ? data.slice(0, 8)
              : new Uint8Array(8)
            : new Uint8Array(0),
    }));

/** Splits bytes at the given cut points. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out.filter((c) => c.length > 0);
}

describe('smux frames', () => {
  it('parse what they encode, however the byte stream is split (versions 1 and 2)', () => {
    for (const version of [1, 2] as const) {
      fc.assert(
        fc.property(
          fc.array(frame(version), { minLength: 1, maxLength: 10 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          (frames, cuts) => {
            const wire = concat(frames.map(encodeSmuxFrame));
            const got: SmuxFrame[] = [];
            from(chunked(wire, cuts))
              .pipe(smuxFrames())
              .subscribe((raw) => got.push(parseSmuxFrame(raw, version)));
            expect(got).toEqual(frames);
          },
        ),
      );
    }
  });

  it("lay the header out as smux's frame.go: version, cmd, length (LE 16), stream id (LE 32)", () => {
    expect(
      Array.from(
        encodeSmuxFrame({ version: 2, cmd: SmuxCommand.PSH, sid: 0x01020304, data: Uint8Array.of(9, 9, 9) }),
      ),
    ).toEqual([2, 2, 3, 0, 4, 3, 2, 1, 9, 9, 9]);
  });

  it('are refused with SMUX_PROTOCOL for a wrong version, an unknown command, UPD in v1, or a payload the command cannot carry', () => {
    const raw = (bytes: number[]) => Uint8Array.from(bytes);
    expect(() => parseSmuxFrame(raw([2, 0, 0, 0, 1, 0, 0, 0]), 1)).toThrow(
      /version 2 on a version 1 session/,
    );
    expect(() => parseSmuxFrame(raw([1, 9, 0, 0, 1, 0, 0, 0]), 1)).toThrow(/unknown smux command 9/);
    expect(() => parseSmuxFrame(raw([1, 4, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 1)).toThrow(
      /unknown smux command 4/,
    );
    expect(() => parseSmuxFrame(raw([1, 0, 1, 0, 1, 0, 0, 0, 5]), 1)).toThrow(
      expect.objectContaining({ code: 'SMUX_PROTOCOL' }),
    );
    expect(() =>
      encodeSmuxFrame({ version: 1, cmd: SmuxCommand.PSH, sid: 1, data: new Uint8Array(70_000) }),
    ).toThrow(/at most 65535/);
  });
});

function sessions(
  version: 1 | 2,
  extra: Partial<SmuxSessionOptions> = {},
  serverExtra: Partial<SmuxSessionOptions> = {},
) {
  const net = new SimNetwork();
  const [a, b] = memoryLinkPair(net.scheduler);
  const client = new SmuxSession(a, { client: true, version, scheduler: net.scheduler, ...extra });
  const server = new SmuxSession(b, {
    client: false,
    version,
    scheduler: net.scheduler,
    ...extra,
    ...serverExtra,
  });
  const accepted: SmuxStream[] = [];
  server.streams.subscribe((s) => accepted.push(s));
  return { net, a, b, client, server, accepted };
}

describe('SmuxSession', () => {
  it.each([
    1, 2,
  ] as const)('v%i: opens streams with odd ids from the client (3, 5, …) and carries bytes both ways, FIN ends the reader', (version) => {
    const { net, client, accepted } = sessions(version);
    const one = client.open();
    const two = client.open();
    expect([one.id, two.id]).toEqual([3, 5]);
    const data = patternBytes(100_000);
    one.send(data).subscribe();
    two.send(Uint8Array.of(1, 2)).subscribe();
    net.advanceBy(1);
    expect(accepted.map((s) => s.id)).toEqual([3, 5]);
    const got: Uint8Array[] = [];
    let ended = false;
    accepted[0]?.bytes.subscribe({ next: (c) => got.push(c), complete: () => (ended = true) });
    net.advanceBy(1);
    one.close();
    net.advanceBy(1);
    expect(concat(got)).toEqual(data);
    expect(ended).toBe(true);
    const back: Uint8Array[] = [];
    two.bytes.subscribe((c) => back.push(c));
    accepted[1]?.send(Uint8Array.of(7)).subscribe();
    net.advanceBy(1);
    expect(back).toEqual([Uint8Array.of(7)]);
    client.close();
    net.advanceBy(1);
  });

  it('sends exactly one FIN for a stream closed from its own write’s completion', () => {
    const { net, a, client } = sessions(1);
    const stream = client.open();
    stream.send(Uint8Array.of(1)).subscribe({ next: () => stream.close(), complete: () => stream.close() });
    net.advanceBy(1);
    expect(a.sent.filter((c) => c[1] === SmuxCommand.FIN)).toHaveLength(1);
    expect(stream.isClosed).toBe(true);
    client.close();
  });

  it('v2: the sender never has more unacknowledged bytes in flight than the window the reader advertised', () => {
    const { net, a, client, accepted } = sessions(2, {}, { maxStreamBuffer: 4096 });
    const stream = client.open();
    let done = false;
    stream.send(patternBytes(300_000)).subscribe({ complete: () => (done = true) });
    net.advanceBy(1);
    const reader = accepted[0];
    if (!reader) throw new Error('no stream');
    // Nobody reads yet: only the initial 256 KiB window may be sent.
    // Headers go alone before large payloads, or with a small one: sum the PSH headers' length fields.
    const pushed = () =>
      a.sent.reduce((n, c) => {
        const len = ((c[2] ?? 0) | ((c[3] ?? 0) << 8)) >>> 0;
        const isHeader = c[0] === 2 && c[1] === SmuxCommand.PSH && (c.length === 8 || c.length === 8 + len);
        return isHeader ? n + len : n;
      }, 0);
    expect(pushed()).toBe(262_144);
    expect(done).toBe(false);
    let got = 0;
    reader.bytes.subscribe((c) => (got += c.length));
    for (let i = 0; i < 100 && !done; i++) {
      net.advanceBy(1);
    }
    expect(got).toBe(300_000);
    expect(done).toBe(true);
    client.close();
  });

  it('stops reading its link once maxReceiveBuffer unread bytes wait, and resumes as they are read', () => {
    const { net, b, client, accepted } = sessions(1, {}, { maxReceiveBuffer: 10_000 });
    client.open().send(patternBytes(50_000)).subscribe();
    net.advanceBy(1);
    expect(b.paused).toBe(true);
    expect(accepted[0]?.bufferedBytes).toBeLessThanOrEqual(10_000 + 32_768);
    let got = 0;
    accepted[0]?.bytes.subscribe((c) => (got += c.length));
    net.advanceBy(1);
    expect(got).toBe(50_000);
    expect(b.paused).toBe(false);
    client.close();
  });

  it('sends a NOP every keepalive interval and fails with SMUX_TIMEOUT after keepAliveTimeout of silence', () => {
    const { net, a, b, client, server } = sessions(1, {
      keepAliveIntervalMs: 1000,
      keepAliveTimeoutMs: 3000,
    });
    net.advanceBy(2500);
    expect(a.sent.filter((c) => c[1] === SmuxCommand.NOP)).toHaveLength(2);
    let failure: unknown;
    const stream = client.open();
    stream.bytes.subscribe({ error: (e) => (failure = e) });
    // The server goes silent: its frames stop arriving.
    b.send = () => ({ subscribe: () => ({ unsubscribe() {} }) }) as never;
    net.advanceBy(7000);
    expect(isPortaError(failure, 'SMUX_TIMEOUT')).toBe(true);
    expect(client.isClosed).toBe(true);
    expect(a.closedByUser).toBe(true);
    server.close();
  });

  it('fails every stream with SMUX_PROTOCOL on a frame of the wrong version, counts frames for unknown streams, and refuses SYNs beyond maxStreams', () => {
    const { net, a, client, server, accepted } = sessions(1, {}, { maxStreams: 2 });
    for (let i = 0; i < 3; i++) client.open();
    a.send(
      encodeSmuxFrame({ version: 1, cmd: SmuxCommand.PSH, sid: 99, data: Uint8Array.of(1) }),
    ).subscribe();
    net.advanceBy(1);
    expect(accepted).toHaveLength(2);
    expect(server.stats.refusedStreams).toBe(1);
    expect(server.stats.orphanFrames).toBe(1);
    let failure: unknown;
    accepted[0]?.bytes.subscribe({ error: (e) => (failure = e) });
    a.send(Uint8Array.of(2, 0, 0, 0, 3, 0, 0, 0)).subscribe();
    net.advanceBy(1);
    expect(isPortaError(failure, 'SMUX_PROTOCOL')).toBe(true);
    expect(server.isClosed).toBe(true);
    client.close();
  });

  it('runs over a KCP session on a lossy simulated network: three streams, each exact', () => {
    const net = new SimNetwork({ seed: 11, defaultLink: { lossRate: 0.1, delayMs: 15 } });
    const got = new Map<number, Uint8Array[]>();
    const pair = simKcpPair(net, {}, {}, (session) => {
      const mux = new SmuxSession(session, { client: false, version: 2, scheduler: net.scheduler });
      mux.streams.subscribe((s) => s.bytes.subscribe((c) => got.set(s.id, [...(got.get(s.id) ?? []), c])));
    });
    const mux = new SmuxSession(pair.client, { client: true, version: 2, scheduler: net.scheduler });
    const payloads = [patternBytes(40_000, 1), patternBytes(70_000, 2), patternBytes(10, 3)];
    const streams = payloads.map((p) => {
      const s = mux.open();
      s.send(p).subscribe();
      return s;
    });
    net.advanceBy(20_000);
    for (const [i, s] of streams.entries()) expect(concat(got.get(s.id) ?? [])).toEqual(payloads[i]);
    mux.close();
    pair.subscription.unsubscribe();
  });
});
