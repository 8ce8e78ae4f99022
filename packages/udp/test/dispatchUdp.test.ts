// UdpDispatcher's rules without processes: a fake pool records the IPC messages it would send.
import type { Datagram, DatagramSocket, Endpoint } from '@porta/core';
import fc from 'fast-check';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { UdpDispatcher, workerFor } from '../src/index.js';

interface Sent {
  readonly index: number;
  readonly message: { readonly porta: string; readonly data: Uint8Array[]; readonly remotes: Endpoint[] };
}

function fakeSocket() {
  const inbound = new Subject<Datagram>();
  const replies: { data: Uint8Array; to: Endpoint }[] = [];
  const socket: DatagramSocket = {
    local: { address: '127.0.0.1', port: 1060, family: 'IPv4' },
    datagrams: inbound.asObservable(),
    send: (data, to) =>
      new Observable<void>((s) => {
        replies.push({ data, to });
        s.next();
        s.complete();
      }),
  };
  return { socket, inbound, replies };
}

function fakePool(size: number, running: (index: number) => boolean = () => true) {
  const sent: Sent[] = [];
  return {
    sent,
    workers: {
      size,
      send: (index: number, message: unknown) => {
        if (!running(index)) return false;
        sent.push({ index, message: message as Sent['message'] });
        return true;
      },
    },
  };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
const remote = (port: number): Endpoint => ({ address: '127.0.0.1', port, family: 'IPv4' });

describe('UdpDispatcher', () => {
  it("hands every remote's datagrams, in order, to the one worker it hashes to, one IPC message per worker per turn", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({ port: fc.integer({ min: 1, max: 40 }), byte: fc.integer({ min: 0, max: 255 }) }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        async (size, traffic) => {
          const { socket, inbound } = fakeSocket();
          const { workers, sent } = fakePool(size);
          const dispatcher = new UdpDispatcher(socket, workers);
          for (let i = 0; i < size; i++) dispatcher.handle(i, { porta: 'udp-ready' });
          const running = dispatcher.start();
          for (const { port, byte } of traffic)
            inbound.next({ data: Uint8Array.of(byte), remote: remote(port) });
          await turn();
          running.unsubscribe();
          // One message per worker that had anything, all in this one turn.
          const indexes = sent.map((s) => s.index);
          expect(new Set(indexes).size).toBe(indexes.length);
          const got = sent.flatMap((s) =>
            s.message.remotes.map((r, i) => ({ index: s.index, port: r.port, byte: s.message.data[i]![0] })),
          );
          for (const g of got) expect(g.index).toBe(workerFor(remote(g.port), size));
          // Per remote, the bytes arrive in the order they were received.
          for (const port of new Set(traffic.map((t) => t.port))) {
            expect(got.filter((g) => g.port === port).map((g) => g.byte)).toEqual(
              traffic.filter((t) => t.port === port).map((t) => t.byte),
            );
          }
          const { received, perWorker, dropped } = dispatcher.stats;
          expect(received).toBe(traffic.length);
          expect(perWorker.reduce((a, b) => a + b, 0)).toBe(traffic.length);
          expect(dropped).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('drops and counts what arrives for a worker that is not ready or not running, and delivers the rest', async () => {
    const { socket, inbound } = fakeSocket();
    // Worker 1 is "restarting": its send fails.
    const { workers, sent } = fakePool(2, (i) => i === 0);
    const dispatcher = new UdpDispatcher(socket, workers);
    dispatcher.handle(0, { porta: 'udp-ready' });
    dispatcher.handle(1, { porta: 'udp-ready' });
    const running = dispatcher.start();
    const ports = Array.from({ length: 20 }, (_, i) => 40_000 + i);
    for (const port of ports) inbound.next({ data: Uint8Array.of(1), remote: remote(port) });
    await turn();
    running.unsubscribe();
    const toOne = ports.filter((p) => workerFor(remote(p), 2) === 1).length;
    expect(toOne).toBeGreaterThan(0);
    expect(dispatcher.stats.dropped).toBe(toOne);
    expect(dispatcher.stats.perWorker).toEqual([20 - toOne, 0]);
    expect(sent.every((s) => s.index === 0)).toBe(true);
  });

  it("sends a worker's batched replies from the shared socket, each to its own destination, with no acknowledgement", () => {
    const { socket, replies } = fakeSocket();
    const { workers, sent } = fakePool(1);
    const dispatcher = new UdpDispatcher(socket, workers);
    const handled = dispatcher.handle(0, {
      porta: 'udp-send',
      data: [Uint8Array.of(1), Uint8Array.of(2)],
      to: [remote(5000), remote(5001)],
    });
    expect(handled).toBe(true);
    expect(replies.map((r) => [r.data[0], r.to.port])).toEqual([
      [1, 5000],
      [2, 5001],
    ]);
    expect(dispatcher.stats.sent).toBe(2);
    expect(sent).toEqual([]); // nothing goes back to the worker
    expect(dispatcher.handle(0, { porta: 'something else' })).toBe(false);
  });
});
