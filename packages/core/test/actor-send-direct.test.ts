import { concat, map, NEVER, type Observer, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Behaviour, SocketClosedError, serve } from '../src/index.js';
import type { PeerLink, TransportPlugin } from '../src/transport/index.js';
import { bytes, record, text } from './actor-support.js';

/** One peer whose link sends directly: every `sendDirect` is recorded with its observer, settled by the test. */
function directTransport() {
  const inbound = new Subject<Uint8Array>();
  const direct: { data: Uint8Array; observer: Observer<void> }[] = [];
  let subscribedSends = 0;
  const link: PeerLink = {
    id: 'direct:1',
    local: { address: '10.0.0.1', port: 1, family: 'IPv4' },
    remote: { address: '10.0.0.2', port: 2, family: 'IPv4' },
    inbound,
    send: () => {
      subscribedSends++;
      return NEVER;
    },
    sendDirect: (data, observer) => {
      direct.push({ data, observer });
    },
    end: () => {},
    close: () => inbound.complete(),
  };
  const transport: TransportPlugin = {
    name: 'direct',
    open: () =>
      concat(
        of({ type: 'listening' as const, local: link.local }),
        of({ type: 'peer' as const, link }),
        NEVER,
      ),
  };
  return { transport, inbound, direct, subscribedSends: () => subscribedSends };
}

const upper: Behaviour = (peer) => peer.messages.pipe(map((m) => bytes(text(m).toUpperCase())));

describe('replies on a link with sendDirect', () => {
  it('go through sendDirect, one at a time, each counted once its observer completes', () => {
    const t = directTransport();
    const r = record(serve(t.transport, upper));
    t.inbound.next(bytes('ab'));
    t.inbound.next(bytes('cd'));
    // The second message waits in the mailbox until the first reply has left.
    expect(t.direct.map((d) => text(d.data))).toEqual(['AB']);
    expect(r.stats()).toMatchObject({ messagesOut: 0 });
    t.direct[0]?.observer.next();
    t.direct[0]?.observer.complete();
    expect(t.direct.map((d) => text(d.data))).toEqual(['AB', 'CD']);
    t.direct[1]?.observer.next();
    t.direct[1]?.observer.complete();
    expect(r.stats()).toMatchObject({ messagesIn: 2, messagesOut: 2, bytesOut: 4, unsent: 0 });
    expect(t.subscribedSends()).toBe(0);
    r.sub.unsubscribe();
  });

  it('a direct send that errors fails the actor with that error, the reply counted unsent', () => {
    const t = directTransport();
    const r = record(serve(t.transport, upper));
    t.inbound.next(bytes('x'));
    const refused = new SocketClosedError('cannot send: gone');
    t.direct[0]?.observer.error(refused);
    expect(r.stats()).toMatchObject({ messagesOut: 0, unsent: 1, failed: 1, closed: 1 });
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'failed', error: refused });
    r.sub.unsubscribe();
  });

  it('the actor closing with a direct send in flight counts it unsent, and ignores what the link says later', () => {
    const t = directTransport();
    const r = record(serve(t.transport, upper));
    t.inbound.next(bytes('late'));
    const handle = r.ofType('listening')[0]?.server;
    r.sub.unsubscribe();
    t.direct[0]?.observer.next();
    t.direct[0]?.observer.complete();
    t.direct[0]?.observer.error(new Error('and then this'));
    expect(handle?.stats()).toMatchObject({ messagesOut: 0, unsent: 1, closed: 1, failed: 0 });
  });
});
