import { type Datagram, type Endpoint, endpoint, filterOrigin, sameOrigin } from '@porta/core';
import fc from 'fast-check';
import { from, Observable, take } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';

const dgram = (
  address: string,
  port: number,
  family: 'IPv4' | 'IPv6' = address.includes(':') ? 'IPv6' : 'IPv4',
): Datagram => ({
  data: Uint8Array.of(1),
  remote: { address, port, family },
});

function pass(expected: Endpoint, datagrams: readonly Datagram[]) {
  const passed: Datagram[] = [];
  const dropped: [Datagram, number][] = [];
  from(datagrams)
    .pipe(filterOrigin(expected, { onDrop: (d, n) => dropped.push([d, n]) }))
    .subscribe((d) => passed.push(d));
  return { passed, dropped };
}

describe('filterOrigin', () => {
  const server = endpoint('127.0.0.1', 1060);

  it('passes datagrams from the expected endpoint and reports every other one', () => {
    const good = dgram('127.0.0.1', 1060);
    const wrongPort = dgram('127.0.0.1', 1061);
    const wrongHost = dgram('127.0.0.2', 1060);
    const { passed, dropped } = pass(server, [good, wrongPort, good, wrongHost]);
    expect(passed).toEqual([good, good]);
    expect(dropped).toEqual([
      [wrongPort, 1],
      [wrongHost, 2],
    ]);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const mapped = dgram('::ffff:127.0.0.1', 1060, 'IPv6');
    const hexMapped = dgram('::FFFF:7f00:1', 1060, 'IPv6');
    expect(pass(server, [mapped, hexMapped]).passed).toEqual([mapped, hexMapped]);
    expect(
      pass({ address: '::ffff:127.0.0.1', port: 1060, family: 'IPv6' }, [dgram('127.0.0.1', 1060)]).passed,
    ).toHaveLength(1);
    expect(pass(server, [dgram('::ffff:127.0.0.2', 1060)]).dropped).toHaveLength(1);
  });

  it('compares IPv6 addresses by value, not spelling', () => {
    expect(sameOrigin(endpoint('::1', 5), endpoint('0:0:0:0:0:0:0:1', 5))).toBe(true);
    expect(sameOrigin(endpoint('fe80::1%lo0', 5), endpoint('FE80:0::1%lo0', 5))).toBe(true);
    expect(sameOrigin(endpoint('::1', 5), endpoint('::2', 5))).toBe(false);
    expect(sameOrigin(endpoint('::1', 5), endpoint('127.0.0.1', 5))).toBe(false);
  });

  it('property: passed + dropped = all, and each passes iff address and port match', () => {
    const addr = fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '127.0.0.2', '::1', '10.0.0.1');
    fc.assert(
      fc.property(fc.array(fc.tuple(addr, fc.constantFrom(1060, 1061)), { maxLength: 30 }), (list) => {
        const datagrams = list.map(([a, p]) => dgram(a, p));
        const { passed, dropped } = pass(server, datagrams);
        expect(passed.length + dropped.length).toBe(datagrams.length);
        expect(passed.every((d) => d.remote.port === 1060 && d.remote.address.endsWith('127.0.0.1'))).toBe(
          true,
        );
        expect(dropped.map(([, n]) => n)).toEqual(dropped.map((_, i) => i + 1));
      }),
    );
  });

  it('without onDrop, a drop is still reported (console.warn), never silent', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      from([dgram('6.6.6.6', 1060)])
        .pipe(filterOrigin(server))
        .subscribe();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('6.6.6.6:1060');
    } finally {
      warn.mockRestore();
    }
  });

  it('once onDrop has thrown (and errored the output), a synchronous source gets no more calls', () => {
    const calls: number[] = [];
    const passed: Datagram[] = [];
    let error: unknown;
    from([dgram('6.6.6.6', 1060), dgram('127.0.0.1', 1060), dgram('6.6.6.7', 1060)])
      .pipe(
        filterOrigin(server, {
          onDrop: (_d, n) => {
            calls.push(n);
            throw new Error('stop');
          },
        }),
      )
      .subscribe({ next: (d) => passed.push(d), error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(Error);
    expect(calls).toEqual([1]);
    expect(passed).toEqual([]);
  });

  it('stops an endless synchronous source once its subscriber has had enough (take)', () => {
    let emitted = 0;
    const endless = new Observable<Datagram>((s) => {
      while (!s.closed && emitted < 10_000) {
        emitted++;
        s.next(dgram('127.0.0.1', 1060));
      }
      s.complete();
    });
    const passed: Datagram[] = [];
    endless.pipe(filterOrigin(server), take(2)).subscribe((d) => passed.push(d));
    expect(passed).toHaveLength(2);
    expect(emitted).toBeLessThanOrEqual(3);
  });
});
