import { type DatagramSocket, type Endpoint, isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { bindUdp } from '@porta/udp';
import { EMPTY, mergeMap, type Observable, Subscription, switchMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ImpairmentProxy, impairmentProxy } from '../src/impairment/impairmentProxy.js';
import { SimNetwork } from '../src/sim/simNetwork.js';
import type { SimSocket } from '../src/sim/simSocket.js';

trackHandles();

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** An echo server that prefixes "echo:" and records who it heard from. */
function echoServer(bind: Observable<DatagramSocket>, heard: Endpoint[] = []) {
  return bind.pipe(
    switchMap((s) =>
      s.datagrams.pipe(
        mergeMap((d) => {
          heard.push(d.remote);
          return s.send(bytes(`echo:${text(d.data)}`), d.remote);
        }),
      ),
    ),
    mergeMap(() => EMPTY),
  );
}

describe('impairmentProxy on the simulated network', () => {
  // A port on the simulated network: no real socket is bound, so no other run can collide with it.
  const SIM_SERVER_PORT = 1060;
  const target: Endpoint = { address: '127.0.0.1', port: SIM_SERVER_PORT, family: 'IPv4' };

  function setUp(
    options: { lossRate?: number; seed?: number; idleTimeoutMs?: number; maxClients?: number } = {},
  ) {
    const net = new SimNetwork({ defaultLink: { delayMs: 1 } });
    const heard: Endpoint[] = [];
    const subs = new Subscription();
    subs.add(echoServer(net.bind({ port: SIM_SERVER_PORT }), heard).subscribe());
    let proxy: ImpairmentProxy | undefined;
    subs.add(
      impairmentProxy({
        bind: (o) => net.bind(o),
        listen: { port: 2000 },
        target,
        requests: { lossRate: options.lossRate ?? 0 },
        seed: options.seed ?? 1,
        scheduler: net.scheduler,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.maxClients === undefined ? {} : { maxClients: options.maxClients }),
      }).subscribe((p) => (proxy = p)),
    );
    const clients: { socket: SimSocket; replies: string[] }[] = [];
    const client = () => {
      const entry = { socket: undefined as unknown as SimSocket, replies: [] as string[] };
      subs.add(
        net.bind().subscribe((s) => {
          entry.socket = s;
          s.datagrams.subscribe((d) => entry.replies.push(text(d.data)));
        }),
      );
      clients.push(entry);
      return entry;
    };
    const send = (c: { socket: SimSocket }, m: string) =>
      c.socket.send(bytes(m), { ...target, port: 2000 }).subscribe();
    return { net, heard, subs, proxy: () => proxy!, client, send };
  }

  it('relays each client’s replies to that client, through one upstream socket per client', () => {
    const { net, heard, subs, proxy, client, send } = setUp();
    expect(proxy().local.port).toBe(2000);
    const a = client();
    const b = client();
    for (let i = 0; i < 5; i++) {
      send(a, `a${i}`);
      send(b, `b${i}`);
    }
    net.advanceBy(100); // not flush(): that would also run the 60 s idle timers
    expect(a.replies).toEqual(['echo:a0', 'echo:a1', 'echo:a2', 'echo:a3', 'echo:a4']);
    expect(b.replies).toEqual(['echo:b0', 'echo:b1', 'echo:b2', 'echo:b3', 'echo:b4']);
    expect(new Set(heard.map((e) => e.port)).size).toBe(2); // one source port per client
    expect(proxy().stats.clients).toBe(2);
    subs.unsubscribe();
    expect(net.stats.inFlight).toBe(0);
  });

  it('drops about half the requests at lossRate 0.5, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const { net, subs, proxy, client, send } = setUp({ lossRate: 0.5, seed });
      const c = client();
      for (let i = 0; i < 400; i++) send(c, `${i}`);
      net.flush();
      const stats = proxy().stats;
      subs.unsubscribe();
      return { replies: c.replies, stats };
    };
    const first = run(11);
    expect(first.replies.length).toBeGreaterThan(160);
    expect(first.replies.length).toBeLessThan(240);
    expect(first.stats.requests).toMatchObject({ seen: 400, lost: 400 - first.replies.length });
    expect(run(11).replies).toEqual(first.replies);
    expect(run(12).replies).not.toEqual(first.replies);
  });

  it('drops datagrams that reach an upstream socket from anyone but the target', () => {
    const { net, heard, subs, proxy, client, send } = setUp();
    const a = client();
    send(a, 'hello');
    net.advanceBy(100);
    const upstream = heard[0]!;
    const stranger = client();
    stranger.socket.send(bytes('FAKE'), upstream).subscribe();
    net.advanceBy(100);
    expect(a.replies).toEqual(['echo:hello']);
    expect(proxy().stats.strangers).toBe(1);
    subs.unsubscribe();
  });

  it('closes an idle client’s upstream socket and bounds the number of clients', () => {
    const { net, heard, subs, proxy, client, send } = setUp({ idleTimeoutMs: 1_000, maxClients: 1 });
    const a = client();
    const b = client();
    send(a, 'one');
    net.advanceBy(100);
    send(b, 'refused'); // a still holds the only slot
    net.advanceBy(100);
    expect(proxy().stats).toMatchObject({ clients: 1, overLimit: 1 });
    net.advanceBy(2_000); // a goes idle
    expect(proxy().stats.clients).toBe(0);
    send(a, 'two');
    net.flush();
    expect(a.replies).toEqual(['echo:one', 'echo:two']);
    expect(b.replies).toEqual([]);
    expect(heard[1]?.port).not.toBe(heard[0]?.port); // a new upstream socket
    subs.unsubscribe();
  });

  it('reports a busy listening port as an error', () => {
    const net = new SimNetwork();
    const holder = net.bind({ port: 2000 }).subscribe();
    let error: unknown;
    impairmentProxy({ bind: (o) => net.bind(o), listen: { port: 2000 }, target })
      .subscribe({ error: (e: unknown) => (error = e) })
      .unsubscribe();
    expect(isPortaError(error, 'ADDRESS_IN_USE')).toBe(true);
    holder.unsubscribe();
    expect(() => impairmentProxy({ bind: (o) => net.bind(o), target, maxClients: 0 })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('impairmentProxy on real loopback UDP', () => {
  async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the proxy');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('relays to the right clients and drops about half of the requests at lossRate 0.5', async () => {
    const subs = new Subscription();
    try {
      let target: Endpoint | undefined;
      subs.add(
        bindUdp({ address: '127.0.0.1', port: 0 })
          .pipe(
            switchMap((s) => {
              target = s.local;
              return s.datagrams.pipe(mergeMap((d) => s.send(bytes(`echo:${text(d.data)}`), d.remote)));
            }),
          )
          .subscribe(),
      );
      await until(() => target !== undefined);
      let proxy: ImpairmentProxy | undefined;
      subs.add(
        impairmentProxy({ bind: bindUdp, target: target!, requests: { lossRate: 0.5 }, seed: 5 }).subscribe(
          (p) => (proxy = p),
        ),
      );
      await until(() => proxy !== undefined);
      const replies: Record<string, string[]> = { a: [], b: [] };
      const sockets: Record<string, DatagramSocket> = {};
      for (const name of ['a', 'b']) {
        subs.add(
          bindUdp({ address: '127.0.0.1', port: 0 }).subscribe((s) => {
            sockets[name] = s;
            s.datagrams.subscribe((d) => replies[name]?.push(text(d.data)));
          }),
        );
      }
      await until(() => sockets.a !== undefined && sockets.b !== undefined);
      const perClient = 100;
      for (let i = 0; i < perClient; i++) {
        for (const name of ['a', 'b']) sockets[name]!.send(bytes(`${name}${i}`), proxy!.local).subscribe();
        if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5)); // stay under the socket buffers
      }
      await until(() => proxy!.stats.requests.seen === 2 * perClient);
      const forwarded = proxy!.stats.requests.emitted;
      await until(() => replies.a!.length + replies.b!.length === forwarded);

      for (const name of ['a', 'b']) {
        expect(replies[name]!.every((r) => r.startsWith(`echo:${name}`))).toBe(true);
      }
      // 200 draws at 0.5: mean 100, sd ≈ 7; [65, 135] is five of them.
      expect(forwarded).toBeGreaterThan(65);
      expect(forwarded).toBeLessThan(135);
      expect(proxy!.stats).toMatchObject({ clients: 2, strangers: 0, sendErrors: 0 });
    } finally {
      subs.unsubscribe();
    }
  });
});
