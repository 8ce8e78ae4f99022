import { of, timer } from 'rxjs';
import { map } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import {
  decodePortaMessage,
  encodePortaMessage,
  type ServeRequestsEvent,
  serveRequests,
} from '../src/index.js';
import { ascii, simPair, text } from './requesterSupport.js';

describe('serveRequests: the server side of the porta protocol (simulated)', () => {
  it('answers with the id and attempt echoed; ignores and reports what is not a request', () => {
    const p = simPair({ link: { delayMs: 5 } });
    try {
      const events: ServeRequestsEvent[] = [];
      const serving = serveRequests(p.server, (payload, _from, request) =>
        request.attempt === 2 ? undefined : text(`re:${ascii(payload)}`),
      ).subscribe((e) => events.push(e));
      const replies: ReturnType<typeof decodePortaMessage>[] = [];
      const listening = p.client.datagrams.subscribe((d) => replies.push(decodePortaMessage(d.data)));
      const send = (b: Uint8Array) => p.client.send(b, p.server.local).subscribe();
      send(encodePortaMessage({ kind: 'request', id: 42n, attempt: 1, payload: text('a') }));
      send(encodePortaMessage({ kind: 'request', id: 42n, attempt: 2, payload: text('a') }));
      send(encodePortaMessage({ kind: 'reply', id: 43n, attempt: 1, payload: text('b') }));
      send(text('FAKE'));
      p.net.advanceBy(100);
      serving.unsubscribe();
      listening.unsubscribe();
      expect(replies.map((r) => [r.kind, r.id, r.attempt, ascii(r.payload)])).toEqual([
        ['reply', 42n, 1, 're:a'],
      ]);
      expect(events.map((e) => e.type)).toEqual(['answered', 'unanswered', 'malformed', 'malformed']);
    } finally {
      p.close();
    }
  });

  it('sends each value of an Observable answer as it comes (a slow server)', () => {
    const p = simPair();
    try {
      const serving = serveRequests(p.server, (payload) =>
        timer(300, p.net.scheduler).pipe(map(() => payload)),
      ).subscribe();
      const arrivals: [number, string][] = [];
      const listening = p.client.datagrams.subscribe((d) =>
        arrivals.push([p.net.now(), ascii(decodePortaMessage(d.data).payload)]),
      );
      p.client
        .send(
          encodePortaMessage({ kind: 'request', id: 1n, attempt: 1, payload: text('slow') }),
          p.server.local,
        )
        .subscribe();
      p.net.advanceBy(1000);
      serving.unsubscribe();
      listening.unsubscribe();
      expect(arrivals).toEqual([[300, 'slow']]);
    } finally {
      p.close();
    }
  });

  it('several replies for one request are all sent (the flood the requester must survive)', () => {
    const p = simPair();
    try {
      const serving = serveRequests(p.server, () => of(text('1'), text('2'), text('3'))).subscribe();
      let count = 0;
      const listening = p.client.datagrams.subscribe(() => (count += 1));
      p.client
        .send(encodePortaMessage({ kind: 'request', id: 9n, attempt: 1, payload: text('') }), p.server.local)
        .subscribe();
      p.net.advanceBy(10);
      serving.unsubscribe();
      listening.unsubscribe();
      expect(count).toBe(3);
    } finally {
      p.close();
    }
  });
});
