import { type DatagramSocket, SocketError } from '@porta/core';
import { throwError } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { requester, serveRequests } from '../src/index.js';
import { ascii, type SimPair, simPair, text } from './requesterSupport.js';

let pair: SimPair | undefined;
afterEach(() => {
  pair?.close();
  pair = undefined;
});

/** `socket`, except that the sends numbered in `failing` (1-based) fail at once with SOCKET. */
function failingSends(socket: DatagramSocket, failing: ReadonlySet<number>): DatagramSocket {
  let n = 0;
  return {
    local: socket.local,
    datagrams: socket.datagrams,
    send: (data, to) => {
      n++;
      return failing.has(n)
        ? throwError(() => new SocketError('send refused (test)', 'ENOBUFS'))
        : socket.send(data, to);
    },
  };
}

describe('requester: a reply accepted while a failed send waits to be retried', () => {
  it('is delivered at once, and the request completes without SERVER_UNREACHABLE', () => {
    // Attempt 1 at 0 ms reaches the server; its reply is back at 120 ms. Attempt 2 (at 100 ms) fails
    // to send, so retryBackoff waits its 200 ms before attempt 3: the reply lands in that wait.
    pair = simPair({ link: { delayMs: 60 } });
    const p = pair;
    const serving = serveRequests(p.server, (payload) => payload).subscribe();
    const client = requester(failingSends(p.client, new Set([2])), {
      scheduler: p.net.scheduler,
      retry: { retryOn: () => true },
    });
    const result = p.net.run(client.request(text('hello'), p.server.local));
    serving.unsubscribe();
    expect(result.error).toBeUndefined();
    expect(result.values.map(ascii)).toEqual(['hello']);
    expect(result.elapsedMs).toBe(120);
    expect(client.stats).toMatchObject({ accepted: 1, sent: 2, unreachable: 0, duplicates: 0 });
  });

  it('every accepted reply is delivered, whatever the retry state, over many seeds of loss and failing sends', () => {
    let accepted = 0;
    let delivered = 0;
    for (let seed = 1; seed <= 40; seed++) {
      pair = simPair({ seed, link: { delayMs: 30 + (seed % 5) * 20, lossRate: 0.3 } });
      const p = pair;
      const serving = serveRequests(p.server, (payload) => payload).subscribe();
      const failing = new Set([2, 3, 5, 8].filter((n) => (seed + n) % 3 !== 0));
      const client = requester(failingSends(p.client, failing), {
        scheduler: p.net.scheduler,
        retry: { retryOn: () => true },
      });
      const result = p.net.run(client.request(text(`r${seed}`), p.server.local));
      serving.unsubscribe();
      accepted += client.stats.accepted;
      delivered += result.values.length;
      if (client.stats.accepted === 1) expect(result.values.map(ascii)).toEqual([`r${seed}`]);
      p.close();
    }
    expect(accepted).toBeGreaterThan(20);
    expect(delivered).toBe(accepted);
  });
});
