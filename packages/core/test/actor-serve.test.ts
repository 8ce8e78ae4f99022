import { memoryTransport } from '@porta/core/testing';
import { EMPTY, map, Observable, of, tap, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AddressInUseError,
  type Behaviour,
  ConnectionResetError,
  isPortaError,
  serve,
} from '../src/index.js';
import type { TransportPlugin } from '../src/transport/index.js';
import { bytes, record, text } from './actor-support.js';

const echo: Behaviour = (peer) => peer.messages;

describe('serve', () => {
  it('reports listening with the local endpoint and the transport name', () => {
    const t = memoryTransport({ name: 'mem' });
    const r = record(serve(t, echo));
    expect(r.events[0]).toMatchObject({ type: 'listening', local: t.local, transport: 'mem' });
    expect(t.isOpen).toBe(true);
    r.sub.unsubscribe();
    expect(t.isOpen).toBe(false);
  });

  it('echoes every message back to its peer, in order, then closes when the peer ends', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo));
    const client = t.connect();
    for (const m of ['a', 'bb', 'ccc']) client.send(m);
    expect(client.receivedText()).toEqual(['a', 'bb', 'ccc']);
    client.end();
    expect(client.closed).toBe(true);
    expect(r.types()).toEqual(['listening', 'opened', 'closed']);
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'completed', undelivered: 0, unsent: 0 });
    expect(r.stats()).toMatchObject({
      opened: 1,
      closed: 1,
      active: 0,
      messagesIn: 3,
      messagesOut: 3,
      bytesIn: 6,
    });
    r.sub.unsubscribe();
  });

  it('gives each peer its own actor, with its identity', () => {
    const t = memoryTransport();
    const seen: string[] = [];
    const r = record(
      serve(t, (peer) => {
        seen.push(`${peer.transport} ${peer.id} ${peer.remote.port} ${peer.local.port}`);
        return peer.messages.pipe(map((m) => bytes(`${peer.remote.port}:${text(m)}`)));
      }),
    );
    const a = t.connect();
    const b = t.connect();
    a.send('x');
    b.send('y');
    expect(a.receivedText()).toEqual([`${a.remote.port}:x`]);
    expect(b.receivedText()).toEqual([`${b.remote.port}:y`]);
    expect(seen).toEqual([
      `memory ${a.link.id} ${a.remote.port} ${t.local.port}`,
      `memory ${b.link.id} ${b.remote.port} ${t.local.port}`,
    ]);
    r.sub.unsubscribe();
  });

  it('sends a reply stream with sendall semantics and holds delivery until sends drain', () => {
    const t = memoryTransport();
    const delivered: string[] = [];
    const r = record(
      serve(t, (peer) =>
        peer.messages.pipe(
          tap((m) => delivered.push(text(m))),
          // three replies per message
          map((m) => [bytes(`${text(m)}1`), bytes(`${text(m)}2`), bytes(`${text(m)}3`)]),
          (source) =>
            new Observable<Uint8Array>((s) =>
              source.subscribe({
                next: (replies) => {
                  for (const reply of replies) s.next(reply);
                },
                error: (e) => s.error(e),
                complete: () => s.complete(),
              }),
            ),
        ),
      ),
    );
    const client = t.connect({ sends: 'manual' });
    client.send('a');
    client.send('b');
    expect(delivered).toEqual(['a']);
    expect(client.pendingSends).toBe(1); // the next send waits for the previous one
    client.completeSends(1);
    client.completeSends(1);
    expect(delivered).toEqual(['a']);
    expect(client.receivedText()).toEqual(['a1', 'a2']);
    client.completeSends(1);
    expect(delivered).toEqual(['a', 'b']);
    client.completeSends();
    client.completeSends();
    client.completeSends();
    expect(client.receivedText()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    r.sub.unsubscribe();
  });

  it('closes the link after a behaviour that completes on its own has sent its replies', () => {
    const t = memoryTransport();
    const r = record(serve(t, () => of(bytes('hello'), bytes('bye'))));
    const client = t.connect({ sends: 'manual' });
    expect(client.closed).toBe(false);
    client.completeSends(1);
    expect(client.closed).toBe(false);
    client.completeSends(1);
    expect(client.closed).toBe(true);
    expect(client.receivedText()).toEqual(['hello', 'bye']);
    const empty = t.connect();
    expect(empty.closed).toBe(true);
    expect(r.ofType('closed').map((e) => e.reason)).toEqual(['completed', 'completed']);
    r.sub.unsubscribe();
  });

  it('keeps serving half-open peers: replies after the peer ended its side', () => {
    const t = memoryTransport();
    let collected: string[] = [];
    const r = record(
      serve(t, (peer) => {
        collected = [];
        return new Observable<Uint8Array>((s) =>
          peer.messages.subscribe({
            next: (m) => collected.push(text(m)),
            complete: () => {
              s.next(bytes(collected.join('+')));
              s.complete();
            },
          }),
        );
      }),
    );
    const client = t.connect();
    client.send('1');
    client.send('2');
    client.end();
    expect(client.receivedText()).toEqual(['1+2']);
    expect(client.closed).toBe(true);
    r.sub.unsubscribe();
  });

  it('closes an actor whose link errors, reporting the error, and keeps the others', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo));
    const a = t.connect();
    const b = t.connect();
    const reset = new ConnectionResetError('peer reset');
    a.fail(reset);
    b.send('still here');
    expect(a.closed).toBe(true);
    expect(r.ofType('closed')[0]).toMatchObject({
      reason: 'link-error',
      error: reset,
      peer: { id: a.link.id },
    });
    expect(b.receivedText()).toEqual(['still here']);
    r.sub.unsubscribe();
  });

  it('refuses a second reader of peer.messages with a typed error', () => {
    const t = memoryTransport();
    const errors: unknown[] = [];
    const r = record(
      serve(t, (peer) => {
        peer.messages.subscribe({ error: (e: unknown) => errors.push(e) });
        peer.messages.subscribe({ error: (e: unknown) => errors.push(e) });
        return EMPTY;
      }),
    );
    t.connect();
    expect(errors).toHaveLength(1);
    expect(isPortaError(errors[0], 'INVALID_ARGUMENT')).toBe(true);
    r.sub.unsubscribe();
  });

  it('forwards what the transport rejected, counted', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo));
    const remote = { address: '10.0.0.9', port: 5000, family: 'IPv4' } as const;
    t.reject('filtered: unexpected origin', remote, 12);
    expect(r.ofType('rejected')).toEqual([
      expect.objectContaining({ by: 'transport', reason: 'filtered: unexpected origin', remote, bytes: 12 }),
    ]);
    expect(r.stats()?.rejected).toBe(1);
    r.sub.unsubscribe();
  });

  it('rejects peer N+1 beyond maxActors, closing its link, and reuses the slot after a close', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo, { maxActors: 2 }));
    const a = t.connect();
    const b = t.connect();
    const c = t.connect();
    expect(c.closed).toBe(true);
    expect(r.ofType('rejected')).toEqual([
      expect.objectContaining({
        by: 'server',
        reason: 'max-actors',
        remote: c.remote,
        peer: expect.objectContaining({ id: c.link.id }),
      }),
    ]);
    expect(r.stats()).toMatchObject({ active: 2, rejected: 1 });
    expect(() => c.send('x')).toThrow(/closed/);
    a.end();
    const d = t.connect();
    expect(d.closed).toBe(false);
    d.send('d');
    b.send('b');
    expect(d.receivedText()).toEqual(['d']);
    expect(b.receivedText()).toEqual(['b']);
    expect(r.stats()).toMatchObject({ active: 2, opened: 3, closed: 1, rejected: 1 });
    r.sub.unsubscribe();
  });

  it('unsubscribing closes every link and the transport', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo));
    const peers = [t.connect(), t.connect({ sends: 'manual' }), t.connect({ canPause: false })];
    peers[1]?.send('pending');
    expect(peers[1]?.pendingSends).toBe(1);
    r.sub.unsubscribe();
    expect(peers.map((p) => p.closed)).toEqual([true, true, true]);
    expect(peers[1]?.pendingSends).toBe(0);
    expect(t.isOpen).toBe(false);
  });

  it('after unsubscribing, the live handle counts every actor as closed and what it lost', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo));
    t.connect();
    const slow = t.connect({ sends: 'manual' });
    slow.send('in flight');
    slow.send('waiting');
    r.sub.unsubscribe();
    // A metrics line reading server.stats() must not show the stopped server's actors as alive.
    expect(r.stats()).toMatchObject({ active: 0, opened: 2, closed: 2, undelivered: 1, unsent: 1 });
    expect(r.events.at(-1)?.type).not.toBe('closed'); // still nothing reported after unsubscribe
  });

  it('errors when the transport fails to open, and closes actors when it fails later', () => {
    const busy: TransportPlugin = {
      name: 'busy',
      open: () => throwError(() => new AddressInUseError('127.0.0.1', 1060)),
    };
    const r1 = record(serve(busy, echo));
    expect(isPortaError(r1.errors[0], 'ADDRESS_IN_USE')).toBe(true);

    const t = memoryTransport();
    const first = record(serve(t, echo));
    const second = record(serve(t, echo));
    expect(isPortaError(second.errors[0], 'ADDRESS_IN_USE')).toBe(true);
    first.sub.unsubscribe();

    const m = memoryTransport();
    let fail: (e: unknown) => void = () => {};
    const failing: TransportPlugin = {
      name: 'failing',
      open: () =>
        new Observable((s) => {
          fail = (e) => s.error(e);
          return m.open().subscribe((event) => s.next(event));
        }),
    };
    const r3 = record(serve(failing, echo));
    const client = m.connect();
    const boom = new Error('socket died');
    fail(boom);
    expect(r3.errors).toEqual([boom]);
    expect(client.closed).toBe(true);
  });

  it('completes once the transport completes and the last actor closes', () => {
    const t = memoryTransport();
    let finish: () => void = () => {};
    // A transport that stops accepting (completes) but leaves its open links alone, as a graceful
    // TCP shutdown does: the memory transport stays open underneath until the end of the test.
    let underneath = EMPTY.subscribe();
    const transport: TransportPlugin = {
      name: 'finite',
      open: () =>
        new Observable((s) => {
          underneath = t.open().subscribe((event) => s.next(event));
          finish = () => s.complete();
        }),
    };
    let completed = false;
    const types: string[] = [];
    const sub = serve(transport, echo).subscribe({
      next: (e) => types.push(e.type),
      complete: () => (completed = true),
    });
    const client = t.connect();
    finish();
    expect(completed).toBe(false);
    client.send('last words');
    expect(client.receivedText()).toEqual(['last words']);
    client.end();
    expect(completed).toBe(true);
    expect(types).toEqual(['listening', 'opened', 'closed']);
    sub.unsubscribe();
    underneath.unsubscribe();
  });

  it('checks its options before opening anything', () => {
    const t = memoryTransport();
    expect(() => serve(t, echo, { maxActors: 0 })).toThrow(/maxActors/);
    expect(() => serve(t, echo, { idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs/);
    expect(() => serve(t, echo, { mailbox: { capacity: 4, highWaterMark: 5 } })).toThrow(/highWaterMark/);
    expect(() => serve(t, echo, { supervision: { strategy: 'retry' as 'stop' } })).toThrow(/strategy/);
    expect(t.isOpen).toBe(false);
  });
});

describe('memoryTransport', () => {
  it("keeps making transports and distinct peers past one address's port range", () => {
    // 16,384 local ports in the ephemeral range: making more transports must not throw.
    for (let i = 0; i < 16_400; i++) memoryTransport();
    const t = memoryTransport();
    const sub = t.open().subscribe();
    // 127.0.0.1:50000 … :65535 holds 15,536 peers; the next ones need another address.
    const ids = new Set<string>();
    for (let i = 0; i < 15_600; i++) ids.add(t.connect().link.id);
    expect(ids.size).toBe(15_600);
    expect(t.peers[0]?.link.id).toBe('memory:127.0.0.1:50000');
    expect(t.peers[15_536]?.remote).toMatchObject({ address: '127.0.0.2', port: 1024 });
    sub.unsubscribe();
  });
});
