import { concat, map, NEVER, type Observer, of, take, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/index.js';
import type { PeerLink, TransportPlugin } from '../src/transport/index.js';
import { bytes, record, text } from './actor-support.js';

/** One peer whose link has `listen`: the test pushes into the receiver the runtime handed it. */
function listeningTransport() {
  const state = {
    receiver: undefined as Observer<Uint8Array> | undefined,
    listens: 0,
    unlistens: 0,
    inboundSubscribed: false,
    sent: [] as string[],
    closed: false,
  };
  const link: PeerLink = {
    id: 'listen:1',
    local: { address: '10.0.0.1', port: 1, family: 'IPv4' },
    remote: { address: '10.0.0.2', port: 2, family: 'IPv4' },
    // A link that has `listen` is read through it: subscribing here would be a bug.
    inbound: throwError(() => {
      state.inboundSubscribed = true;
      return new Error('inbound subscribed although the link has listen');
    }),
    listen: (receiver) => {
      state.listens++;
      state.receiver = receiver;
      return {
        unsubscribe: () => {
          state.unlistens++;
          state.receiver = undefined;
        },
      };
    },
    send: (data) => {
      state.sent.push(text(data));
      return of(undefined);
    },
    end: () => {},
    close: () => {
      state.closed = true;
    },
  };
  const transport: TransportPlugin = {
    name: 'listen',
    open: () =>
      concat(
        of({ type: 'listening' as const, local: link.local }),
        of({ type: 'peer' as const, link }),
        NEVER,
      ),
  };
  return { transport, state };
}

describe('a link with listen (PeerLink.listen)', () => {
  it('is read through listen, never through inbound: messages reach the behaviour, FIN ends the actor', () => {
    const t = listeningTransport();
    const r = record(serve(t.transport, (peer) => peer.messages));
    expect(t.state.listens).toBe(1);
    t.state.receiver?.next(bytes('ping'));
    t.state.receiver?.next(bytes('pong'));
    expect(t.state.sent).toEqual(['ping', 'pong']);
    t.state.receiver?.complete();
    expect(r.ofType('closed')).toMatchObject([{ reason: 'completed', undelivered: 0, unsent: 0 }]);
    expect(t.state.closed).toBe(true);
    expect(t.state.inboundSubscribed).toBe(false);
    expect(r.stats()).toMatchObject({ messagesIn: 2, messagesOut: 2 });
    r.sub.unsubscribe();
  });

  it('an error from listen closes the actor as a link error, and closing the actor stops listening', () => {
    const t = listeningTransport();
    const r = record(serve(t.transport, (peer) => peer.messages));
    const receiver = t.state.receiver;
    receiver?.error(new Error('reset'));
    expect(r.ofType('closed')).toMatchObject([{ reason: 'link-error' }]);
    expect(t.state.unlistens).toBe(1);
    // A receiver that misbehaves after the end changes nothing.
    receiver?.next(bytes('late'));
    expect(t.state.sent).toEqual([]);
    expect(r.stats()).toMatchObject({ messagesIn: 0 });
    r.sub.unsubscribe();
  });

  it('unsubscribing the server stops listening', () => {
    const t = listeningTransport();
    const r = record(serve(t.transport, (peer) => peer.messages));
    r.sub.unsubscribe();
    expect(t.state.unlistens).toBe(1);
    expect(t.state.closed).toBe(true);
  });
});

it('a reader of peer.messages that leaves makes room for the next one, which gets every later message', () => {
  const t = listeningTransport();
  const tag = (label: string) => map((m: Uint8Array) => bytes(`${label}:${text(m)}`));
  const r = record(
    serve(t.transport, (peer) =>
      concat(peer.messages.pipe(take(1), tag('first')), peer.messages.pipe(tag('second'))),
    ),
  );
  t.state.receiver?.next(bytes('a'));
  t.state.receiver?.next(bytes('b'));
  t.state.receiver?.next(bytes('c'));
  expect(t.state.sent).toEqual(['first:a', 'second:b', 'second:c']);
  expect(r.ofType('failed')).toEqual([]);
  r.sub.unsubscribe();
});
