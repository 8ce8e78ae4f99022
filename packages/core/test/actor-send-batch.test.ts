import { concat, from, map, mergeMap, NEVER, Observable, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Behaviour, serve } from '../src/index.js';
import type { PeerLink, TransportPlugin } from '../src/transport/index.js';
import { bytes, record, text } from './actor-support.js';

/** One peer whose link batches: every `send` and `sendBatch` is recorded and settled by the test. */
function batchingTransport() {
  const inbound = new Subject<Uint8Array>();
  const sends: { data: Uint8Array; done: Subject<void> }[] = [];
  const batches: { data: readonly Uint8Array[]; done: Subject<number> }[] = [];
  const link: PeerLink = {
    id: 'batch:1',
    local: { address: '10.0.0.1', port: 1, family: 'IPv4' },
    remote: { address: '10.0.0.2', port: 2, family: 'IPv4' },
    inbound,
    send: (data) =>
      new Observable<void>((subscriber) => {
        const done = new Subject<void>();
        sends.push({ data, done });
        return done.subscribe(subscriber);
      }),
    sendBatch: (data) =>
      new Observable<number>((subscriber) => {
        const done = new Subject<number>();
        batches.push({ data: [...data], done });
        return done.subscribe(subscriber);
      }),
    end: () => {},
    close: () => inbound.complete(),
  };
  const transport: TransportPlugin = {
    name: 'batch',
    open: () =>
      concat(
        of({ type: 'listening' as const, local: link.local }),
        of({ type: 'peer' as const, link }),
        NEVER,
      ),
  };
  return { transport, inbound, sends, batches };
}

const burst =
  (n: number): Behaviour =>
  (peer) =>
    peer.messages.pipe(mergeMap((m) => from(Array.from({ length: n }, (_, i) => bytes(`${text(m)}${i};`)))));

describe('reply batches (PeerLink.sendBatch)', () => {
  it('replies emitted in one turn go to the link as one batch, in order', () => {
    const t = batchingTransport();
    const r = record(serve(t.transport, burst(5)));
    t.inbound.next(bytes('a'));
    expect(t.sends).toEqual([]);
    expect(t.batches.map((b) => b.data.map(text))).toEqual([['a0;', 'a1;', 'a2;', 'a3;', 'a4;']]);
    t.batches[0]?.done.next(5);
    t.batches[0]?.done.complete();
    expect(r.stats()).toMatchObject({ messagesOut: 5, bytesOut: 15, unsent: 0 });
    r.sub.unsubscribe();
  });

  it('a single reply goes through send; replies queued while it is in flight go next as one batch', () => {
    const t = batchingTransport();
    const replies = new Subject<string>();
    const r = record(serve(t.transport, () => replies.pipe(map(bytes))));
    replies.next('first');
    expect(t.sends.map((s) => text(s.data))).toEqual(['first']);
    replies.next('x');
    replies.next('y');
    replies.next('z');
    expect(t.batches).toEqual([]);
    t.sends[0]?.done.complete();
    expect(t.batches.map((b) => b.data.map(text))).toEqual([['x', 'y', 'z']]);
    t.batches[0]?.done.complete();
    // A link may complete without counting: completion says every reply was handed over.
    expect(r.stats()).toMatchObject({ messagesOut: 4, bytesOut: 8, unsent: 0 });
    r.sub.unsubscribe();
  });

  it('counts each reply once when the link takes part of a batch and then fails', () => {
    const t = batchingTransport();
    const r = record(serve(t.transport, burst(6)));
    t.inbound.next(bytes('b'));
    const batch = t.batches[0];
    batch?.done.next(2);
    expect(r.stats()).toMatchObject({ messagesOut: 2, bytesOut: 6, unsent: 0 });
    batch?.done.next(1);
    batch?.done.error(new Error('link died'));
    const stats = r.stats();
    expect(stats).toMatchObject({ messagesOut: 3, bytesOut: 9, unsent: 3, failed: 1, closed: 1 });
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'failed' });
    r.sub.unsubscribe();
  });

  it('counts the untaken part of a batch unsent when the actor closes with it in flight', () => {
    const t = batchingTransport();
    const r = record(serve(t.transport, burst(4)));
    t.inbound.next(bytes('c'));
    t.batches[0]?.done.next(1);
    r.sub.unsubscribe();
    expect(r.stats()).toMatchObject({ messagesOut: 1, unsent: 3, closed: 1 });
  });
});
