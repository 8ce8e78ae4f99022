import { lookup } from 'node:dns';
import { isPortaError } from '@porta/core';
import { countResources, trackHandles } from '@porta/core/testing';
import type { LookupFunction } from '@porta/core/transport';
import {
  bindUdp,
  connectUdp,
  openConnectedUdpSocket,
  openUdpSocket,
  type UdpSocket,
  udpTransport,
} from '@porta/udp';
import { mergeMap, type Observable, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ascii, errorOf, first, opener } from './helpers.js';

trackHandles();
const open = opener();

const udpHandles = () => countResources().get('UDPWrap') ?? 0;

/** What the OS says `localhost` is, the way bindUdp and connectUdp ask (dns.lookup, any family). */
function localhostAddress(): Promise<string> {
  return new Promise((resolve, reject) =>
    lookup('localhost', {}, (err, address) => (err ? reject(err) : resolve(address))),
  );
}

/** A lookup that records what it was asked and never answers (until `answer` is called). */
function pendingLookup() {
  const asked: { hostname: string; family: 4 | 6 | undefined }[] = [];
  let callback: Parameters<LookupFunction>[2] | undefined;
  const fn: LookupFunction = (hostname, options, cb) => {
    asked.push({ hostname, family: options.family });
    callback = cb;
  };
  return { fn, asked, answer: (address: string, family: number) => callback?.(null, address, family) };
}

function echo(server: UdpSocket): void {
  open(server.datagrams.pipe(mergeMap((d) => server.send(d.data, d.remote))));
}

describe('UDP host names: resolved once, before the socket is made', () => {
  it('bindUdp binds the address localhost resolves to', async () => {
    const expected = await localhostAddress();
    const { value: socket } = await open(bindUdp({ address: 'localhost', port: 0 }));
    expect(socket.local.address).toBe(expected);
    expect(socket.local.port).toBeGreaterThan(0);
  });

  it('connectUdp to localhost reaches a server on the address it resolves to, and replies arrive', async () => {
    const { value: server } = await open(bindUdp({ address: await localhostAddress() }));
    echo(server);
    const { value: client } = await open(connectUdp({ address: 'localhost', port: server.local.port }));
    expect(client.remote).toEqual(server.local);
    const reply = first(client.messages);
    await first(client.send(ascii('by name')));
    expect(new TextDecoder().decode(await reply)).toBe('by name');
  });

  it('the promise forms take host names too', async () => {
    await using server = await openUdpSocket({ address: 'localhost' });
    await using client = await openConnectedUdpSocket({ address: 'localhost', port: server.local.port });
    expect(client.remote).toEqual(server.local);
  });

  it('udpTransport binds a host name on open()', async () => {
    const transport = udpTransport({ address: 'localhost', port: 0 });
    const event = await first(transport.open());
    expect(event.type).toBe('listening');
    expect(event.type === 'listening' && event.local.address).toBe(await localhostAddress());
  });

  it('a name that cannot resolve is DNS_LOOKUP_FAILED, naming it, and no socket is opened', async () => {
    const before = udpHandles();
    for (const attempt of [
      bindUdp({ address: 'no-such-host.invalid' }),
      connectUdp({ address: 'no-such-host.invalid', port: 9 }),
    ]) {
      const err = await errorOf(attempt, 10_000);
      expect(isPortaError(err, 'DNS_LOOKUP_FAILED'), String(err)).toBe(true);
      expect((err as { host: string }).host).toBe('no-such-host.invalid');
      expect((err as Error).message).toMatch(/no-such-host\.invalid/);
      expect(udpHandles()).toBe(before);
    }
    await expect(openConnectedUdpSocket({ address: 'no-such-host.invalid', port: 9 })).rejects.toMatchObject({
      code: 'DNS_LOOKUP_FAILED',
    });
  });

  it('connectUdp asks the lookup for family 6 or 4 when given, and refuses an answer of the other family', async () => {
    const six = pendingLookup();
    const pending = errorOf(connectUdp({ address: 'db.test', port: 9 }, { family: 6, lookup: six.fn }));
    expect(six.asked).toEqual([{ hostname: 'db.test', family: 6 }]);
    six.answer('127.0.0.1', 4);
    expect(isPortaError(await pending, 'INVALID_ARGUMENT')).toBe(true);

    const four = pendingLookup();
    const opening = open(connectUdp({ address: 'db.test', port: 9 }, { family: 4, lookup: four.fn }));
    expect(four.asked).toEqual([{ hostname: 'db.test', family: 4 }]);
    four.answer('127.0.0.1', 4);
    const { value: socket } = await opening;
    expect(socket.remote).toMatchObject({ address: '127.0.0.1', port: 9, family: 'IPv4' });
  });

  it('connectUdp with family 6 to localhost gives an IPv6 socket or DNS_LOOKUP_FAILED, never IPv4', async () => {
    const outcome = await first(connectUdp({ address: 'localhost', port: 9 }, { family: 6 })).then(
      (socket) => socket.family,
      (err: unknown) => (isPortaError(err, 'DNS_LOOKUP_FAILED') ? 'no IPv6 localhost' : err),
    );
    expect(['IPv6', 'no IPv6 localhost']).toContain(outcome);
  });

  it('a literal local address fixes the family the name is resolved to', () => {
    const lookup = pendingLookup();
    const subscription = connectUdp(
      { address: 'db.test', port: 9 },
      { localAddress: '::1', lookup: lookup.fn },
    ).subscribe({ error: () => {} });
    expect(lookup.asked).toEqual([{ hostname: 'db.test', family: 6 }]);
    subscription.unsubscribe();
  });

  it('bindUdp resolves to its family option only', () => {
    const lookup = pendingLookup();
    const subscription = bindUdp({ address: 'box.test', family: 'IPv6', lookup: lookup.fn }).subscribe({
      error: () => {},
    });
    expect(lookup.asked).toEqual([{ hostname: 'box.test', family: 6 }]);
    subscription.unsubscribe();
  });

  /** Subscribes, lets `interrupt` end it during the lookup, then answers late: nothing may open. */
  async function interruptLookup(
    make: (lookup: LookupFunction, signal: AbortSignal) => Observable<unknown>,
    interrupt: (controller: AbortController, subscription: Subscription) => void,
  ): Promise<unknown> {
    const before = udpHandles();
    const lookup = pendingLookup();
    const controller = new AbortController();
    const values: unknown[] = [];
    let error: unknown;
    const subscription = make(lookup.fn, controller.signal).subscribe({
      next: (v: unknown) => values.push(v),
      error: (err: unknown) => (error = err),
    });
    expect(lookup.asked).toHaveLength(1);
    interrupt(controller, subscription);
    lookup.answer('127.0.0.1', 4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(values).toEqual([]);
    expect(udpHandles()).toBe(before);
    return error;
  }

  const makers: [string, (lookup: LookupFunction, signal: AbortSignal) => Observable<unknown>][] = [
    ['bindUdp', (lookup, signal) => bindUdp({ address: 'slow.test', lookup, signal })],
    ['connectUdp', (lookup, signal) => connectUdp({ address: 'slow.test', port: 9 }, { lookup, signal })],
  ];

  it.each(
    makers,
  )('%s: aborting during the lookup is ABORT_ERR naming the host; the late answer opens nothing', async (_, make) => {
    const error = await interruptLookup(make, (controller) => controller.abort());
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((error as Error).message).toMatch(/slow\.test/);
  });

  it.each(
    makers,
  )('%s: unsubscribing during the lookup ignores the late answer: no socket is made', async (_, make) => {
    expect(
      await interruptLookup(make, (_controller, subscription) => subscription.unsubscribe()),
    ).toBeUndefined();
  });

  it('an IP literal is not looked up: the socket is made without calling lookup', async () => {
    const lookup = pendingLookup();
    const { value: socket } = await open(bindUdp({ address: '127.0.0.1', lookup: lookup.fn }));
    expect(socket.local.address).toBe('127.0.0.1');
    expect(lookup.asked).toEqual([]);
  });

  it('a send still takes IP literals only, saying why', async () => {
    const { value: socket } = await open(bindUdp());
    const err = await errorOf(socket.send(ascii('x'), { address: 'localhost', port: 9 }));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/does not resolve host names/);
    expect(socket.stats.sent).toBe(0);
  });
});
