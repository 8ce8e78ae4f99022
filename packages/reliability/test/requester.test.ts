import { endpoint, isPortaError } from '@porta/core';
import { merge, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodePortaMessage,
  encodePortaMessage,
  type RequesterEvent,
  replyTo,
  requester,
  serveRequests,
} from '../src/index.js';
import { ascii, type SimPair, simPair, text } from './requesterSupport.js';

let pair: SimPair | undefined;
afterEach(() => {
  pair?.close();
  pair = undefined;
});

function setup(options: Parameters<typeof simPair>[0] = {}): SimPair {
  pair = simPair(options);
  return pair;
}

/** A porta server answering "<n> bytes"; `drop(attempt)` pretends to lose a request. */
function lengthServer(p: SimPair, drop: (attempt: number) => boolean = () => false) {
  return serveRequests(p.server, (payload, _from, request) =>
    drop(request.attempt) ? undefined : text(`${payload.length} bytes`),
  ).subscribe();
}

function collect(events: Observable<RequesterEvent>): RequesterEvent[] {
  const out: RequesterEvent[] = [];
  events.subscribe((e) => out.push(e));
  return out;
}

describe('requester, porta mode, on the simulated network', () => {
  it('gets the answer to a request in one round trip', () => {
    const p = setup({ link: { delayMs: 10 } });
    const serving = lengthServer(p);
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const result = p.net.run(client.request(text('hello'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['5 bytes']);
    expect(result.completed).toBe(true);
    expect(result.elapsedMs).toBe(20);
    expect(client.stats).toMatchObject({
      requests: 1,
      sent: 1,
      retransmitted: 0,
      accepted: 1,
      rttSamples: 1,
    });
  });

  it('retransmits with the same id and a new attempt number; the server sees both', () => {
    const p = setup({ link: { delayMs: 10 } });
    const seen: [bigint, number][] = [];
    const serving = serveRequests(p.server, (payload, _from, request) => {
      seen.push([request.id, request.attempt]);
      return request.attempt < 3 ? undefined : payload;
    }).subscribe();
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const result = p.net.run(client.request(text('x'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['x']);
    expect(seen.map(([, attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map(([id]) => id)).size).toBe(1);
    expect(client.stats).toMatchObject({ sent: 3, retransmitted: 2, accepted: 1 });
  });

  it('the course schedule sends two copies over a 200 ms round trip; the late reply to the first answers', () => {
    const p = setup({ link: { delayMs: 100 } });
    const serving = lengthServer(p);
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const events = collect(client.events);
    const result = p.net.run(client.request(text('abc'), p.server.local));
    expect(result.values.map(ascii)).toEqual(['3 bytes']);
    expect(result.elapsedMs).toBe(200);
    expect(client.stats.sent).toBe(2);
    const accepted = events.find((e) => e.type === 'accepted');
    expect(accepted).toMatchObject({ attempt: 1, rttMs: 200 });
    // The second copy's reply arrives at 300 ms, after the request ended: a duplicate, if anyone listens.
    const second = p.net.run(client.request(text('abcd'), p.server.local));
    serving.unsubscribe();
    expect(second.values.map(ascii)).toEqual(['4 bytes']);
    expect(client.stats.duplicates).toBe(1);
  });

  it('adaptive: learns the 200 ms round trip and then sends each request once', () => {
    const p = setup({ link: { delayMs: 100 } });
    const serving = lengthServer(p);
    const client = requester(p.client, { scheduler: p.net.scheduler, adaptive: true });
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = client.stats.sent;
      const result = p.net.run(client.request(text('abc'), p.server.local));
      expect(result.values.map(ascii)).toEqual(['3 bytes']);
      sent.push(client.stats.sent - before);
    }
    serving.unsubscribe();
    expect(sent[0]).toBe(2);
    expect(sent.slice(1)).toEqual(Array(9).fill(1));
    expect(client.rto.get(p.server.local).srtt).toBe(200);
  });

  it('adaptive: a timeout doubles the peer RTO', () => {
    const p = setup({ link: { delayMs: 5 } });
    const client = requester(p.client, {
      scheduler: p.net.scheduler,
      adaptive: true,
      retry: { maxAttempts: 2 },
    });
    const result = p.net.run(client.request(text('x'), endpoint('127.0.0.1', 9)));
    expect(isPortaError(result.error, 'SERVER_UNREACHABLE')).toBe(true);
    expect(result.elapsedMs).toBe(300);
    expect(client.rto.rto(endpoint('127.0.0.1', 9))).toBe(400);
  });

  it('gives up with SERVER_UNREACHABLE after the course waits when nobody answers', () => {
    const p = setup({ link: { delayMs: 1 } });
    const waits: number[] = [];
    const client = requester(p.client, {
      scheduler: p.net.scheduler,
      retry: { onAttempt: ({ waitMs }) => waits.push(waitMs) },
    });
    const result = p.net.run(client.request(text('anyone?'), endpoint('127.0.0.1', 4444)));
    expect(waits).toEqual([100, 200, 400, 800, 1600]);
    expect(result.elapsedMs).toBe(3100);
    expect(result.error).toMatchObject({ code: 'SERVER_UNREACHABLE', attempts: 5, elapsedMs: 3100 });
    expect((result.error as Error).message).toMatch(/127\.0\.0\.1:4444/);
    expect(client.stats).toMatchObject({ sent: 5, unreachable: 1 });
  });

  it('a send error (a payload too large for UDP) fails the request at once, typed, and frees its slot', () => {
    const p = setup();
    const serving = lengthServer(p);
    const client = requester(p.client, {
      scheduler: p.net.scheduler,
      maxPending: 1,
      onePerDestination: true,
    });
    const tooBig = p.net.run(client.request(new Uint8Array(70_000), p.server.local));
    expect(tooBig.error).toMatchObject({ code: 'DATAGRAM_TOO_LARGE' });
    expect(tooBig.elapsedMs).toBe(0);
    const fine = p.net.run(client.request(text('ok'), p.server.local));
    serving.unsubscribe();
    expect(fine.values.map(ascii)).toEqual(['2 bytes']);
  });

  it('ids are random 64-bit values, different per request', () => {
    const p = setup();
    const ids: bigint[] = [];
    const serving = serveRequests(p.server, (payload, _f, r) => {
      ids.push(r.id);
      return payload;
    }).subscribe();
    const client = requester(p.client, { scheduler: p.net.scheduler });
    for (let i = 0; i < 20; i++) p.net.run(client.request(text('x'), p.server.local));
    serving.unsubscribe();
    expect(new Set(ids).size).toBe(20);
    expect(ids.some((id) => id > 2n ** 32n)).toBe(true);
  });

  it('unsubscribing abandons the request: no more sends, and it stops listening when idle', () => {
    const p = setup({ link: { delayMs: 1 } });
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const sub = client.request(text('x'), endpoint('127.0.0.1', 4444)).subscribe();
    p.net.advanceBy(150);
    sub.unsubscribe();
    p.net.advanceBy(5000);
    expect(client.stats.sent).toBe(2);
    // A datagram to the client now finds no subscriber: counted by the network as unread.
    const stranger = p.bind();
    stranger.send(text('hi'), p.client.local).subscribe();
    p.net.advanceBy(10);
    expect(p.net.stats.unread).toBe(1);
  });
});

describe('requester, origin and id checks (simulated)', () => {
  it('refuses a reply with the right id from another port and from another address, then takes the genuine one', () => {
    const p = setup({ link: { delayMs: 10 } });
    const fromOtherPort = p.bind('127.0.0.1');
    const fromOtherHost = p.bind('127.0.0.2', p.server.local.port);
    const serving = serveRequests(p.server, (payload) => payload).subscribe();
    // A slow server: its replies take 500 ms.
    p.net.setLink(p.server.local, {}, { delayMs: 500 });
    const client = requester(p.client, { scheduler: p.net.scheduler, retry: { maxWaitMs: 2000 } });
    const events = collect(client.events);
    // The attackers see the request (on path) and forge replies with its id.
    const sniff = p.net.events.subscribe();
    let id: bigint | undefined;
    client.events.subscribe((e) => {
      if (e.type === 'sent' && e.attempt === 1 && e.id !== undefined) {
        id = e.id;
        const forged = replyTo({ id, attempt: 1 }, text('FAKE'));
        fromOtherPort.send(forged, p.client.local).subscribe();
        fromOtherHost.send(forged, p.client.local).subscribe();
      }
    });
    const result = p.net.run(client.request(text('genuine'), p.server.local));
    sniff.unsubscribe();
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['genuine']);
    const rejected = events.filter((e) => e.type === 'rejected');
    expect(rejected.map((e) => (e.type === 'rejected' ? [e.reason, e.from.address] : []))).toEqual([
      ['wrongOrigin', '127.0.0.1'],
      ['wrongOrigin', '127.0.0.2'],
    ]);
    expect(client.stats.wrongOrigin).toBe(2);
    expect(client.stats.accepted).toBe(1);
  });

  it("refuses another server's reply carrying this request's id, even when that server is a peer too", () => {
    const p = setup({ link: { delayMs: 10 } });
    const other = p.bind('127.0.0.1', 1061);
    const client = requester(p.client, { scheduler: p.net.scheduler });
    let idForA: bigint | undefined;
    const a = serveRequests(p.server, (_payload, _from, request) => {
      idForA = request.id;
      return undefined; // A is slow: answers only the second attempt
    }).subscribe();
    const b = serveRequests(other, (payload, from) => {
      if (idForA !== undefined)
        other.send(replyTo({ id: idForA, attempt: 1 }, text('FAKE')), from).subscribe();
      return payload;
    }).subscribe();
    const result = p.net.run(
      merge(client.request(text('to A'), p.server.local), client.request(text('to B'), other.local)),
    );
    a.unsubscribe();
    b.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['to B']);
    expect(isPortaError(result.error, 'SERVER_UNREACHABLE')).toBe(true);
    expect(client.stats.wrongOrigin).toBe(1);
  });

  it('refuses a reply from the server endpoint with an id it never used (wrongId)', () => {
    const p = setup({ link: { delayMs: 10 } });
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const serving = serveRequests(p.server, (payload, from, request) => {
      // First a reply for another id, then the real one.
      p.server.send(replyTo({ id: request.id ^ 1n, attempt: 1 }, text('FAKE')), from).subscribe();
      return payload;
    }).subscribe();
    const result = p.net.run(client.request(text('ok'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['ok']);
    expect(client.stats).toMatchObject({ wrongId: 1, accepted: 1 });
  });

  it('a reply that is a request, or that answers an attempt never sent, is malformed', () => {
    const p = setup({ link: { delayMs: 10 } });
    const client = requester(p.client, { scheduler: p.net.scheduler });
    const serving = serveRequests(p.server, (payload, from, request) => {
      const bogus = [
        encodePortaMessage({ kind: 'request', id: request.id, attempt: 1, payload: text('FAKE') }),
        replyTo({ id: request.id, attempt: 7 }, text('FAKE')),
      ];
      for (const b of bogus) p.server.send(b, from).subscribe();
      return payload;
    }).subscribe();
    const result = p.net.run(client.request(text('ok'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['ok']);
    expect(client.stats).toMatchObject({ malformed: 2, accepted: 1 });
  });

  it('a reply for a request that gave up is late, counted while another request listens', () => {
    const p = setup({ link: { delayMs: 10 } });
    const slow = p.bind('127.0.0.1', 2000);
    const client = requester(p.client, { scheduler: p.net.scheduler, retry: { maxAttempts: 1 } });
    let firstId: bigint | undefined;
    const serving = slow.datagrams.subscribe((d) => {
      firstId ??= decodePortaMessage(d.data).id;
    });
    const first = p.net.run(client.request(text('a'), slow.local));
    expect(isPortaError(first.error, 'SERVER_UNREACHABLE')).toBe(true);
    // While a second request is pending, the slow server finally answers the first one.
    const serving2 = lengthServer(p);
    const second = client.request(text('b'), p.server.local);
    const late = merge(second);
    slow.send(replyTo({ id: firstId ?? 0n, attempt: 1 }, text('too late')), p.client.local).subscribe();
    const result = p.net.run(late);
    serving.unsubscribe();
    serving2.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['1 bytes']);
    expect(client.stats).toMatchObject({ late: 1, accepted: 1 });
  });
});

describe('requester, plain mode (a server that knows nothing of porta)', () => {
  it('sends the payload as is and accepts the bytes from the destination', () => {
    const p = setup({ link: { delayMs: 10 } });
    const serving = p.server.datagrams.subscribe((d) => {
      p.server.send(text(`Tamanho ${d.data.length}`), d.remote).subscribe();
    });
    const client = requester(p.client, { scheduler: p.net.scheduler, mode: 'plain' });
    const result = p.net.run(client.request(text('hello'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['Tamanho 5']);
    expect(client.stats).toMatchObject({ sent: 1, accepted: 1, rttSamples: 1 });
  });

  it("Karn's rule: a reply after a retransmission gives no RTT sample", () => {
    const p = setup({ link: { delayMs: 100 } });
    const serving = p.server.datagrams.subscribe((d) => {
      p.server.send(d.data, d.remote).subscribe();
    });
    const client = requester(p.client, { scheduler: p.net.scheduler, mode: 'plain', adaptive: true });
    const result = p.net.run(client.request(text('hello'), p.server.local));
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['hello']);
    expect(client.stats).toMatchObject({ sent: 2, rttSamples: 0 });
    expect(client.rto.get(p.server.local).srtt).toBeUndefined();
  });

  it('queues a second request to the same destination until the first ends', () => {
    const p = setup({ link: { delayMs: 10 } });
    const arrivals: [number, string][] = [];
    const serving = p.server.datagrams.subscribe((d) => {
      arrivals.push([p.net.now(), ascii(d.data)]);
      p.server.send(d.data, d.remote).subscribe();
    });
    const client = requester(p.client, { scheduler: p.net.scheduler, mode: 'plain' });
    const result = p.net.run(
      merge(client.request(text('one'), p.server.local), client.request(text('two'), p.server.local)),
    );
    serving.unsubscribe();
    expect(result.values.map(ascii)).toEqual(['one', 'two']);
    expect(arrivals).toEqual([
      [10, 'one'],
      [30, 'two'],
    ]);
  });
});

describe('requester, onePerDestination in porta mode', () => {
  it('keeps one request in flight per destination, others in parallel', () => {
    const p = setup({ link: { delayMs: 10 } });
    const other = p.bind('127.0.0.1', 1061);
    const arrivals: [number, number, string][] = [];
    const answer = (port: number) => (payload: Uint8Array) => {
      arrivals.push([p.net.now(), port, ascii(payload)]);
      return payload;
    };
    const s1 = serveRequests(p.server, answer(1060)).subscribe();
    const s2 = serveRequests(other, answer(1061)).subscribe();
    const client = requester(p.client, { scheduler: p.net.scheduler, onePerDestination: true });
    const result = p.net.run(
      merge(
        client.request(text('a'), p.server.local),
        client.request(text('b'), p.server.local),
        client.request(text('c'), other.local),
      ),
    );
    s1.unsubscribe();
    s2.unsubscribe();
    expect(result.values.map(ascii).sort()).toEqual(['a', 'b', 'c']);
    expect(arrivals).toEqual([
      [10, 1060, 'a'],
      [10, 1061, 'c'],
      [30, 1060, 'b'],
    ]);
  });
});
