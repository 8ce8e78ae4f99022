import { type Datagram, type Endpoint, isPortaError } from '@porta/core';
import {
  asyncScheduler,
  concat,
  defer,
  EMPTY,
  map,
  mergeMap,
  type Observable,
  range,
  switchMap,
  take,
  throwError,
  timer,
  toArray,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../src/sim/simNetwork.js';
import type { SimEvent, SimNetworkOptions } from '../src/sim/simNetworkOptions.js';
import type { SimSocket } from '../src/sim/simSocket.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** An echo server bound on `port` that runs while subscribed. */
function echoServer(net: SimNetwork, port: number): Observable<never> {
  return net.bind({ port }).pipe(
    switchMap((s) => s.datagrams.pipe(mergeMap((d) => s.send(d.data, d.remote)))),
    mergeMap(() => EMPTY),
  );
}

/** Sends `count` numbered datagrams, one per `everyMs`, to `to`, and collects the replies for `forMs`. */
function client(net: SimNetwork, to: Endpoint, count: number, everyMs: number, forMs: number) {
  return net.bind().pipe(
    switchMap((s) => {
      const replies: string[] = [];
      s.datagrams.subscribe((d) => replies.push(text(d.data)));
      const sends = range(0, count).pipe(
        mergeMap((i) => timer(i * everyMs, net.scheduler).pipe(mergeMap(() => s.send(bytes(`m${i}`), to)))),
      );
      return concat(sends, timer(forMs, net.scheduler)).pipe(
        toArray(),
        mergeMap(() => [replies]),
      );
    }),
  );
}

const server: Endpoint = { address: '127.0.0.1', port: 1060, family: 'IPv4' };

function lossyRun(options: SimNetworkOptions) {
  const net = new SimNetwork(options);
  const trace: SimEvent[] = [];
  net.events.subscribe((e) => trace.push(e));
  const result = net.run(
    defer(() => {
      const echo = echoServer(net, 1060).subscribe();
      return client(net, server, 300, 5, 2_000).pipe(take(1), (o) => {
        o.subscribe({ complete: () => echo.unsubscribe() });
        return o;
      });
    }),
  );
  return { net, trace, replies: result.values[0] ?? [] };
}

const lossy = { lossRate: 0.3, delayMs: 40, jitterMs: 30, duplicateRate: 0.1, reorderRate: 0.1 };

describe('SimNetwork', () => {
  it('repeats exactly the same trace from the same seed, and a different one from another seed', () => {
    const a = lossyRun({ seed: 42, defaultLink: lossy });
    const b = lossyRun({ seed: 42, defaultLink: lossy });
    const c = lossyRun({ seed: 43, defaultLink: lossy });
    expect(a.trace.length).toBeGreaterThan(600);
    expect(b.trace).toEqual(a.trace);
    expect(b.replies).toEqual(a.replies);
    expect(b.net.stats).toEqual(a.net.stats);
    expect(c.trace).not.toEqual(a.trace);
    // Every effect showed up in the run, so the trace really exercises them.
    const stats = a.net.stats;
    expect(stats.lost).toBeGreaterThan(0);
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(stats.reordered).toBeGreaterThan(0);
    expect(stats.inFlight).toBe(0);
    // Every datagram sent is either lost or arrives somewhere, once per copy.
    expect(stats.sent - stats.lost + stats.duplicated).toBe(
      stats.delivered + stats.unreachable + stats.unread,
    );
  });

  it('loses datagrams at the configured rate (10,000 per seed, three fixed seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const net = new SimNetwork({ seed, defaultLink: { lossRate: 0.3 } });
      let received = 0;
      const sink = net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe(() => received++));
      net.bind().subscribe((s) => {
        for (let i = 0; i < 10_000; i++) s.send(bytes('x'), { ...server, port: 9 }).subscribe();
      });
      net.flush();
      sink.unsubscribe();
      const stats = net.stats;
      expect(stats.sent).toBe(10_000);
      expect(stats.lost + stats.delivered).toBe(10_000);
      expect(received).toBe(stats.delivered);
      // Binomial sd is 0.0046; 0.02 is more than four of them.
      expect(Math.abs(stats.lost / 10_000 - 0.3)).toBeLessThan(0.02);
    }
  });

  it('delivers after exactly delayMs of virtual time, and within ± jitterMs', () => {
    const net = new SimNetwork({ defaultLink: { delayMs: 100 } });
    const arrivals: number[] = [];
    net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe(() => arrivals.push(net.now())));
    net.bind().subscribe((s) => s.send(bytes('hi'), { ...server, port: 9 }).subscribe());
    net.advanceBy(99);
    expect(arrivals).toEqual([]);
    net.advanceBy(1);
    expect(arrivals).toEqual([100]);

    const jittery = new SimNetwork({ seed: 5, defaultLink: { delayMs: 100, jitterMs: 20 } });
    const times: number[] = [];
    jittery.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe(() => times.push(jittery.now())));
    jittery.bind().subscribe((s) => {
      for (let i = 0; i < 500; i++) s.send(bytes('x'), { ...server, port: 9 }).subscribe();
    });
    jittery.flush();
    expect(times).toHaveLength(500);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...times)).toBeLessThanOrEqual(120);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(30); // jitter really spreads them
    expect(jittery.stats.reordered).toBeGreaterThan(0); // and so reorders them
  });

  it('never delivers synchronously, even with no delay', () => {
    const net = new SimNetwork();
    const got: Datagram[] = [];
    net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe((d) => got.push(d)));
    let from: Endpoint | undefined;
    net.bind().subscribe((s) => {
      from = s.local;
      s.send(bytes('a'), { ...server, port: 9 }).subscribe();
    });
    expect(got).toEqual([]);
    net.flush();
    expect(got.map((d) => [text(d.data), d.remote])).toEqual([['a', from]]);
  });

  it('copies the sent bytes, so the sender may reuse its buffer', () => {
    const net = new SimNetwork();
    const got: string[] = [];
    net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe((d) => got.push(text(d.data))));
    net.bind().subscribe((s) => {
      const buffer = bytes('one');
      s.send(buffer, { ...server, port: 9 }).subscribe();
      buffer.set(bytes('two'));
    });
    net.flush();
    expect(got).toEqual(['one']);
  });

  it('unsubscribing releases the port; a datagram to it is then lost and counted as unreachable', () => {
    const net = new SimNetwork();
    const first = net.bind({ port: 5000 }).subscribe();
    let error: unknown;
    net.bind({ port: 5000 }).subscribe({ error: (e: unknown) => (error = e) });
    expect(isPortaError(error, 'ADDRESS_IN_USE')).toBe(true);
    // A wildcard binding conflicts with a specific one on the same port.
    error = undefined;
    net.bind({ address: '0.0.0.0', port: 5000 }).subscribe({ error: (e: unknown) => (error = e) });
    expect(isPortaError(error, 'ADDRESS_IN_USE')).toBe(true);

    first.unsubscribe();
    const again: SimSocket[] = [];
    const second = net.bind({ port: 5000 }).subscribe((s) => again.push(s));
    expect(again[0]?.local).toEqual({ address: '127.0.0.1', port: 5000, family: 'IPv4' });
    second.unsubscribe();

    net.bind().subscribe((s) => s.send(bytes('anyone?'), { ...server, port: 5000 }).subscribe());
    net.flush();
    expect(net.stats).toMatchObject({ sent: 1, delivered: 0, unreachable: 1 });
  });

  it('completes the datagrams of a closed socket and refuses to send on it', () => {
    const net = new SimNetwork();
    let socket: SimSocket | undefined;
    let completed = false;
    const sub = net.bind().subscribe((s) => {
      socket = s;
      s.datagrams.subscribe({ complete: () => (completed = true) });
    });
    sub.unsubscribe();
    expect(completed).toBe(true);
    let error: unknown;
    socket?.send(bytes('x'), server).subscribe({ error: (e: unknown) => (error = e) });
    expect(isPortaError(error, 'SOCKET_CLOSED')).toBe(true);
  });

  it('refuses oversize datagrams and wrong destinations with typed errors', () => {
    const net = new SimNetwork();
    const errors: unknown[] = [];
    net.bind().subscribe((s) => {
      const collect = { error: (e: unknown) => errors.push(e) };
      s.send(new Uint8Array(65_508), server).subscribe(collect);
      s.send(bytes('x'), { ...server, port: 0 }).subscribe(collect);
      s.send(bytes('x'), { address: '::1', port: 9, family: 'IPv6' }).subscribe(collect);
      s.send(new Uint8Array(65_507), server).subscribe(collect);
    });
    expect(errors.map((e) => (isPortaError(e) ? e.code : e))).toEqual([
      'DATAGRAM_TOO_LARGE',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
    ]);
    expect(net.stats.sent).toBe(1);
  });

  it('hands out distinct ephemeral ports and serves IPv6 and wildcard bindings', () => {
    const net = new SimNetwork({ firstEphemeralPort: 65534 });
    const ports: number[] = [];
    const subs = [0, 1].map(() => net.bind().subscribe((s) => ports.push(s.local.port)));
    expect(ports).toEqual([65534, 65535]);
    let error: unknown;
    net.bind().subscribe({ error: (e: unknown) => (error = e) }); // every ephemeral port is taken
    expect(isPortaError(error, 'ADDRESS_IN_USE')).toBe(true);
    subs[0]?.unsubscribe();
    net
      .bind()
      .subscribe((s) => ports.push(s.local.port))
      .unsubscribe(); // wraps around to the freed one
    expect(ports[2]).toBe(65534);
    for (const s of subs) s.unsubscribe();

    const got: Datagram[] = [];
    net.bind({ address: '::', port: 7 }).subscribe((s) => s.datagrams.subscribe((d) => got.push(d)));
    net
      .bind({ address: '::1' })
      .subscribe((s) => s.send(bytes('v6'), { address: '::1', port: 7, family: 'IPv6' }).subscribe());
    net.flush();
    expect(got.map((d) => [text(d.data), d.remote.family, d.remote.address])).toEqual([
      ['v6', 'IPv6', '::1'],
    ]);
  });

  it('counts datagrams that reach a socket nobody reads', () => {
    const net = new SimNetwork();
    net.bind({ port: 9 }).subscribe(); // bound, but datagrams never subscribed
    net.bind().subscribe((s) => s.send(bytes('x'), { ...server, port: 9 }).subscribe());
    net.flush();
    expect(net.stats).toMatchObject({ sent: 1, delivered: 0, unread: 1 });
  });

  it('applies per-direction link rules over the default link', () => {
    const net = new SimNetwork({ seed: 3, defaultLink: { delayMs: 10 } });
    net.setLink({ port: 1060 }, {}, { lossRate: 1 }); // the server's replies all vanish
    const echo = echoServer(net, 1060).subscribe();
    const arrivalsAtServer: number[] = [];
    net.events.subscribe(
      (e) => e.type === 'delivered' && e.to.port === 1060 && arrivalsAtServer.push(e.time),
    );
    const replies: string[] = [];
    net.bind().subscribe((s) => {
      s.datagrams.subscribe((d) => replies.push(text(d.data)));
      for (let i = 0; i < 20; i++) s.send(bytes('x'), server).subscribe();
    });
    net.flush();
    echo.unsubscribe();
    expect(arrivalsAtServer).toEqual(Array(20).fill(10));
    expect(replies).toEqual([]);
    expect(net.stats).toMatchObject({ sent: 40, lost: 20, delivered: 20 });

    net.clearLinks();
    const echo2 = echoServer(net, 1060).subscribe();
    net.bind().subscribe((s) => {
      s.datagrams.subscribe((d) => replies.push(text(d.data)));
      s.send(bytes('back'), server).subscribe();
    });
    net.flush();
    echo2.unsubscribe();
    expect(replies).toEqual(['back']);
  });

  it('duplicates and corrupts by exactly one bit at the configured settings', () => {
    const net = new SimNetwork({ seed: 11, defaultLink: { duplicateRate: 1 } });
    const got: string[] = [];
    net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe((d) => got.push(text(d.data))));
    net.bind().subscribe((s) => s.send(bytes('twice'), { ...server, port: 9 }).subscribe());
    net.flush();
    expect(got).toEqual(['twice', 'twice']);
    expect(net.stats).toMatchObject({ sent: 1, duplicated: 1, delivered: 2 });

    const noisy = new SimNetwork({ seed: 12, defaultLink: { corruptRate: 1 } });
    const original = bytes('a payload of some length');
    const received: Uint8Array[] = [];
    noisy.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe((d) => received.push(d.data)));
    noisy.bind().subscribe((s) => {
      for (let i = 0; i < 50; i++) s.send(original, { ...server, port: 9 }).subscribe();
    });
    noisy.flush();
    expect(received).toHaveLength(50);
    for (const data of received) {
      let flipped = 0;
      for (let i = 0; i < data.length; i++) {
        let x = (data[i] ?? 0) ^ (original[i] ?? 0);
        for (; x; x &= x - 1) flipped++;
      }
      expect(flipped).toBe(1);
    }
    expect(noisy.stats.corrupted).toBe(50);
  });

  it('run() stops when the source completes and reports virtual elapsed time', () => {
    const net = new SimNetwork();
    const result = net.run(timer(2_500, net.scheduler));
    expect(result).toEqual({ values: [0], completed: true, elapsedMs: 2_500 });
    const failing = net.run(
      timer(10, net.scheduler).pipe(mergeMap(() => throwError(() => new Error('boom')))),
    );
    expect(failing.completed).toBe(false);
    expect(String(failing.error)).toContain('boom');
  });

  it('runs thousands of lossy exchanges quickly in virtual time', () => {
    const { net, replies } = lossyRun({ seed: 9, defaultLink: { lossRate: 0.5, delayMs: 100 } });
    // Each echo needs two surviving legs: about a quarter of 300.
    expect(replies.length).toBeGreaterThan(50);
    expect(replies.length).toBeLessThan(110);
    expect(net.now()).toBeGreaterThan(1_000);
  });

  it('shares a TestScheduler’s virtual time (marbles)', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ expectObservable }) => {
      const net = new SimNetwork({ scheduler: testScheduler, defaultLink: { delayMs: 10 } });
      const echo = echoServer(net, 1060).subscribe();
      const replies = net.bind().pipe(
        switchMap((s) => {
          const out = s.datagrams.pipe(map((d) => text(d.data)));
          s.send(bytes('a'), server).subscribe();
          return out;
        }),
        take(1),
      );
      expectObservable(replies).toBe('20ms (a|)');
      testScheduler.schedule(() => echo.unsubscribe(), 100);
    });
  });

  it('runs on a real-time scheduler too, and cancelInFlight() releases pending timers', async () => {
    const net = new SimNetwork({ scheduler: asyncScheduler, defaultLink: { delayMs: 5 } });
    const got: string[] = [];
    const sink = net.bind({ port: 9 }).subscribe((s) => s.datagrams.subscribe((d) => got.push(text(d.data))));
    net.bind().subscribe((s) => s.send(bytes('now'), { ...server, port: 9 }).subscribe());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual(['now']);
    const slow = new SimNetwork({ scheduler: asyncScheduler, defaultLink: { delayMs: 60_000 } });
    slow.bind().subscribe((s) => s.send(bytes('later'), server).subscribe());
    expect(slow.stats.inFlight).toBe(1);
    slow.cancelInFlight();
    expect(slow.stats.inFlight).toBe(0);
    expect(() => slow.advanceBy(1)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    sink.unsubscribe();
  });
});
