import { createHmac } from 'node:crypto';
import { type Datagram, type Endpoint, isPortaError } from '@porta/core';
import fc from 'fast-check';
import { from, mergeMap, type Observable, Subscription, switchMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_HEADER_LENGTH,
  type AuthMode,
  type AuthRejectReason,
  authOverhead,
} from '../src/auth/authWireFormat.js';
import { sign } from '../src/auth/sign.js';
import { verify } from '../src/auth/verify.js';
import { SimNetwork } from '../src/sim/simNetwork.js';

const MODES: readonly AuthMode[] = ['hmac-sha256', 'aes-256-gcm', 'chacha20-poly1305'];
const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
const otherKey = new Uint8Array(32).map((_, i) => 255 - i);
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const alice: Endpoint = { address: '127.0.0.1', port: 40000, family: 'IPv4' };
const mallory: Endpoint = { address: '127.0.0.2', port: 40001, family: 'IPv4' };

/** Runs messages through an operator (everything here is synchronous). */
function through<T>(values: readonly T[], op: (o: Observable<T>) => Observable<T>): T[] {
  const out: T[] = [];
  from(values)
    .pipe(op)
    .subscribe((v) => out.push(v));
  return out;
}

function signed(payloads: readonly string[], mode: AuthMode, senderId = 77n): Uint8Array[] {
  return through(payloads.map(bytes), sign(key, { mode, senderId }));
}

describe('sign / verify', () => {
  for (const mode of MODES) {
    it(`${mode}: round-trips payloads and datagrams, keeping the remote`, () => {
      const out = through(
        ['hello', '', 'a longer message'].map((t): Datagram => ({ data: bytes(t), remote: alice })),
        (o) => o.pipe(sign(key, { mode }), verify(key, { mode })),
      );
      expect(out.map((d) => [text(d.data), d.remote])).toEqual([
        ['hello', alice],
        ['', alice],
        ['a longer message', alice],
      ]);
    });

    it(`${mode}: writes the documented header and overhead`, () => {
      const [first, second] = signed(['abc', 'abc'], mode, 0x0102030405060708n);
      expect(first?.length).toBe(3 + authOverhead(mode));
      expect(authOverhead(mode)).toBe(mode === 'hmac-sha256' ? 50 : 34);
      expect(Array.from(first?.subarray(0, AUTH_HEADER_LENGTH) ?? [])).toEqual([
        1,
        MODES.indexOf(mode) + 1,
        ...[1, 2, 3, 4, 5, 6, 7, 8],
        ...[0, 0, 0, 0, 0, 0, 0, 0],
      ]);
      expect(second?.[AUTH_HEADER_LENGTH - 1]).toBe(1); // the counter went up by one
      const body = text(first?.subarray(AUTH_HEADER_LENGTH, AUTH_HEADER_LENGTH + 3) ?? new Uint8Array());
      if (mode === 'hmac-sha256') expect(body).toBe('abc');
      else expect(body).not.toBe('abc'); // encrypted
    });
  }

  it('hmac-sha256: the tag is HMAC-SHA-256(key, header ‖ payload), as documented', () => {
    const [message] = signed(['payload'], 'hmac-sha256');
    const end = (message?.length ?? 0) - 32;
    const expected = createHmac('sha256', key)
      .update(message?.subarray(0, end) ?? new Uint8Array())
      .digest();
    expect(Buffer.from(message?.subarray(end) ?? new Uint8Array()).equals(expected)).toBe(true);
  });

  it('draws a fresh random sender id per subscription', () => {
    const op = sign(key);
    const a = through([bytes('x')], op)[0];
    const b = through([bytes('x')], op)[0];
    expect(Buffer.from(a?.subarray(2, 10) ?? []).equals(Buffer.from(b?.subarray(2, 10) ?? []))).toBe(false);
  });

  it('drops and counts replays, wherever they come from, and accepts late but new counters', () => {
    const [m0, m1, m2] = signed(['zero', 'one', 'two'], 'hmac-sha256');
    const rejected: [AuthRejectReason, string, string][] = [];
    const check = verify(key, {
      onReject: (reason, d: Datagram, error) => rejected.push([reason, d.remote.address, error.code]),
    });
    const input: Datagram[] = [
      { data: m1!, remote: alice },
      { data: m1!, remote: alice }, // replay
      { data: m0!, remote: alice }, // late but new: accepted
      { data: m1!, remote: mallory }, // replay from another address
      { data: m2!, remote: mallory }, // a sender may move (roaming): accepted
    ];
    const out = through(input, check);
    expect(out.map((d) => text(d.data))).toEqual(['one', 'zero', 'two']);
    expect(rejected).toEqual([
      ['replay', '127.0.0.1', 'REPLAY'],
      ['replay', '127.0.0.2', 'REPLAY'],
    ]);
    expect(check.stats).toEqual({ accepted: 3, rejected: { truncated: 0, format: 0, forged: 0, replay: 2 } });
  });

  it('rejects wrong-key, truncated, other-mode and garbage messages without ending the stream', () => {
    const [good] = signed(['fine'], 'hmac-sha256');
    const [wrongKey] = through([bytes('evil')], sign(otherKey));
    const [gcm] = signed(['another mode, long enough to parse'], 'aes-256-gcm', 78n);
    const reasons: AuthRejectReason[] = [];
    const errors: unknown[] = [];
    const check = verify(key, {
      onReject: (reason, _m, error) => {
        reasons.push(reason);
        errors.push(error);
      },
    });
    const completions: string[] = [];
    const out: string[] = [];
    from([wrongKey!, good!.subarray(0, 20), gcm!, bytes('FAKE'), new Uint8Array(60), good!])
      .pipe(check)
      .subscribe({
        next: (m) => out.push(text(m)),
        error: () => completions.push('error'),
        complete: () => completions.push('complete'),
      });
    expect(out).toEqual(['fine']);
    expect(completions).toEqual(['complete']);
    expect(reasons).toEqual(['forged', 'truncated', 'format', 'truncated', 'format']);
    expect(errors.every((e) => isPortaError(e, 'AUTH'))).toBe(true);
    expect(check.stats.rejected).toEqual({ truncated: 2, format: 2, forged: 1, replay: 0 });
  });

  it('keeps one window per sender id and forgets the least recent past maxSenders', () => {
    const a = signed(['a0', 'a1'], 'hmac-sha256', 1n);
    const b = signed(['b0'], 'hmac-sha256', 2n);
    const c = signed(['c0'], 'hmac-sha256', 3n);
    const check = verify(key, { maxSenders: 2 });
    // The replay of a0 is caught and makes a the most recent; c then evicts b, whose replay slips
    // through once (the documented trade-off of a bounded table).
    const out = through([a[0]!, b[0]!, a[0]!, c[0]!, b[0]!, a[1]!], check).map(text);
    expect(out).toEqual(['a0', 'b0', 'c0', 'b0', 'a1']);
    expect(check.stats.rejected.replay).toBe(1);
  });

  it('checks keys and options with INVALID_ARGUMENT', () => {
    const bad = [
      () => sign(new Uint8Array(31)),
      () => verify(new Uint8Array(16)),
      () => sign(new Uint8Array(33), { mode: 'aes-256-gcm' }),
      () => verify(new Uint8Array(31), { mode: 'chacha20-poly1305' }),
      () => sign(key, { mode: 'rot13' as AuthMode }),
      () => sign(key, { senderId: -1n }),
      () => verify(key, { maxSenders: 0 }),
      () => verify(key, { window: { bits: 100 } }),
    ];
    for (const f of bad) expect(f).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => sign(new Uint8Array(64))).not.toThrow(); // HMAC takes longer keys
  });

  it('errors with ENCODE instead of wrapping the counter', () => {
    let error: unknown;
    const out: Uint8Array[] = [];
    from([bytes('last'), bytes('one too many')])
      .pipe(sign(key, { firstCounter: (1n << 64n) - 1n }))
      .subscribe({ next: (m) => out.push(m), error: (e: unknown) => (error = e) });
    expect(out).toHaveLength(1);
    expect(isPortaError(error, 'ENCODE')).toBe(true);
  });
});

describe('auth wire format (properties)', () => {
  const arbitraryCase = fc.record({
    mode: fc.constantFrom(...MODES),
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    payload: fc.uint8Array({ maxLength: 300 }),
    senderId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    counter: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  const seal = (c: {
    mode: AuthMode;
    key: Uint8Array;
    payload: Uint8Array;
    senderId: bigint;
    counter: bigint;
  }) =>
    through([c.payload], sign(c.key, { mode: c.mode, senderId: c.senderId, firstCounter: c.counter }))[0]!;

  it('sign → verify returns the payload for any key, payload, sender id and counter', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const sealed = seal(c);
        expect(sealed.length).toBe(c.payload.length + authOverhead(c.mode));
        const out = through([sealed], verify(c.key, { mode: c.mode }));
        expect(out).toHaveLength(1);
        expect(Buffer.from(out[0]!).equals(Buffer.from(c.payload))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any single-bit flip', () => {
    fc.assert(
      fc.property(arbitraryCase, fc.nat(), (c, where) => {
        const sealed = seal(c);
        const bit = where % (sealed.length * 8);
        const flipped = Uint8Array.from(sealed);
        flipped[bit >>> 3]! ^= 0x80 >>> (bit & 7);
        const check = verify(c.key, { mode: c.mode });
        expect(through([flipped], check)).toEqual([]);
        expect(check.stats.accepted).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any truncation and any extension', () => {
    fc.assert(
      fc.property(arbitraryCase, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (c, cut, extra) => {
        const sealed = seal(c);
        const prefix = sealed.subarray(0, cut % sealed.length);
        const extended = new Uint8Array([...sealed, ...extra]);
        const check = verify(c.key, { mode: c.mode });
        expect(through([prefix, extended], check)).toEqual([]);
        expect(through([sealed], check)).toHaveLength(1); // the genuine one still passes
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every message under another key', () => {
    fc.assert(
      fc.property(arbitraryCase, fc.uint8Array({ minLength: 32, maxLength: 32 }), (c, other) => {
        fc.pre(!Buffer.from(other).equals(Buffer.from(c.key)));
        const check = verify(other, { mode: c.mode });
        expect(through([seal(c)], check)).toEqual([]);
        expect(check.stats.rejected.forged).toBe(1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('sign / verify on a simulated network', () => {
  it('a sniffed genuine request replayed from other addresses is refused; forged ones too', () => {
    const net = new SimNetwork({ seed: 1, defaultLink: { delayMs: 5 } });
    const server: Endpoint = { address: '10.0.0.1', port: 1060, family: 'IPv4' };
    const handled: string[] = [];
    const reasons: AuthRejectReason[] = [];
    const sniffed: Uint8Array[] = [];
    const subs = new Subscription();
    subs.add(
      net
        .bind({ address: server.address, port: server.port })
        .pipe(
          switchMap((s) => {
            // The attacker sees every datagram the server receives (a hot stream: a second subscriber).
            s.datagrams.subscribe((d) => sniffed.push(d.data));
            return s.datagrams.pipe(verify(key, { onReject: (reason) => reasons.push(reason) }));
          }),
        )
        .subscribe((d) => handled.push(`${text(d.data)} from ${d.remote.address}`)),
    );
    subs.add(
      net
        .bind({ address: '10.0.0.2' })
        .pipe(
          switchMap((s) =>
            from(['transfer 10', 'transfer 20'].map(bytes)).pipe(
              sign(key),
              mergeMap((m) => s.send(m, server)),
            ),
          ),
        )
        .subscribe(),
    );
    net.advanceBy(10);
    subs.add(
      net.bind({ address: '10.0.0.66' }).subscribe((attacker) => {
        for (const m of sniffed.slice()) attacker.send(m, server).subscribe(); // replays
        attacker.send(bytes('transfer 1000000'), server).subscribe(); // no tag at all
        const [first] = sniffed;
        const tampered = Uint8Array.from(first!);
        tampered[AUTH_HEADER_LENGTH]! ^= 1; // edit the payload, keep the tag
        attacker.send(tampered, server).subscribe();
      }),
    );
    net.advanceBy(10);
    subs.unsubscribe();
    expect(handled).toEqual(['transfer 10 from 10.0.0.2', 'transfer 20 from 10.0.0.2']);
    expect(reasons).toEqual(['replay', 'replay', 'truncated', 'forged']);
  });
});
