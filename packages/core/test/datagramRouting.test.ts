import { type Datagram, type DatagramSocket, type Endpoint, endpoint } from '@porta/core';
import { datagramTransport, type PeerLink } from '@porta/core/transport';
import fc from 'fast-check';
import { Observable, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

/** Remotes the property draws from: several ports per address, both families. */
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '::1'] as const;
const PORTS = [1, 2, 5000, 5001, 65535] as const;

type Op =
  | { readonly kind: 'arrive'; readonly a: number; readonly p: number }
  | { readonly kind: 'close'; readonly a: number; readonly p: number };

const remoteOf = (op: Op): Endpoint => endpoint(ADDRESSES[op.a]!, PORTS[op.p]!);

/** What happened, as both the transport and the model must tell it. */
interface Outcome {
  /** For each arrival: the number of the link (in creation order) it reached, or `rejected`. */
  readonly deliveries: (number | 'rejected')[];
  /** Links evicted (their inbound errored), by number. */
  readonly evicted: number[];
  readonly stats: { peers: number; peersOpened: number; rejected: number; evicted: number };
}

/** The transport under test, over a socket in memory, every link read from as it is created. */
function runTransport(ops: readonly Op[], maxPeers: number, whenFull: 'evict' | 'reject'): Outcome {
  const inbound = new Subject<Datagram>();
  const local = endpoint('127.0.0.1', 1060);
  const socket: DatagramSocket = { local, datagrams: inbound, send: () => of(undefined) };
  const transport = datagramTransport('mem', new Observable<DatagramSocket>((s) => s.next(socket)), {
    maxPeers,
    whenFull,
  });
  const numbers = new Map<PeerLink, number>();
  const byRemote = new Map<string, PeerLink>();
  const deliveries: (number | 'rejected')[] = [];
  const evicted: number[] = [];
  let current = -1;
  const sub = transport.open().subscribe((event) => {
    if (event.type === 'rejected') deliveries[current] = 'rejected';
    if (event.type !== 'peer') return;
    const link = event.link;
    const n = numbers.size;
    numbers.set(link, n);
    byRemote.set(`${link.remote.address}|${link.remote.port}`, link);
    link.inbound.subscribe({
      next: (data) => {
        deliveries[data[0]! | (data[1]! << 8)] = n;
      },
      error: () => evicted.push(n),
    });
  });
  ops.forEach((op, i) => {
    const remote = remoteOf(op);
    if (op.kind === 'arrive') {
      current = i;
      inbound.next({ data: Uint8Array.of(i & 255, i >> 8), remote });
    } else {
      byRemote.get(`${remote.address}|${remote.port}`)?.close();
    }
  });
  const { peers, peersOpened, rejected, evicted: evictedCount } = transport.stats;
  sub.unsubscribe();
  return {
    deliveries: ops.flatMap((op, i) => (op.kind === 'arrive' ? [deliveries[i] ?? 'rejected'] : [])),
    evicted,
    stats: { peers, peersOpened, rejected, evicted: evictedCount },
  };
}

/** The reference: one Map keyed by an `address|port` string, whose insertion order is recency. */
function runModel(ops: readonly Op[], maxPeers: number, whenFull: 'evict' | 'reject'): Outcome {
  const table = new Map<string, number>();
  const deliveries: (number | 'rejected')[] = [];
  const evicted: number[] = [];
  let opened = 0;
  let rejected = 0;
  for (const op of ops) {
    const key = `${ADDRESSES[op.a]}|${PORTS[op.p]}`;
    const known = table.get(key);
    if (op.kind === 'close') {
      table.delete(key);
      continue;
    }
    if (known !== undefined) {
      if (whenFull === 'evict') {
        table.delete(key);
        table.set(key, known);
      }
      deliveries.push(known);
      continue;
    }
    if (table.size >= maxPeers) {
      if (whenFull === 'reject') {
        rejected++;
        deliveries.push('rejected');
        continue;
      }
      const [oldestKey, oldest] = table.entries().next().value as [string, number];
      table.delete(oldestKey);
      evicted.push(oldest);
    }
    table.set(key, opened);
    deliveries.push(opened++);
  }
  return {
    deliveries,
    evicted,
    stats: { peers: table.size, peersOpened: opened, rejected, evicted: evicted.length },
  };
}

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('arrive', 'arrive', 'arrive', 'close') as fc.Arbitrary<Op['kind']>,
  a: fc.integer({ min: 0, max: ADDRESSES.length - 1 }),
  p: fc.integer({ min: 0, max: PORTS.length - 1 }),
});

describe('datagramTransport routing', () => {
  it('routes, evicts and rejects as a Map keyed by address and port, for any arrivals and closes', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 300 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('evict', 'reject') as fc.Arbitrary<'evict' | 'reject'>,
        (ops, maxPeers, whenFull) => {
          expect(runTransport(ops, maxPeers, whenFull)).toEqual(runModel(ops, maxPeers, whenFull));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tells apart remotes that share an address or a port', () => {
    const ops: Op[] = [
      { kind: 'arrive', a: 0, p: 0 },
      { kind: 'arrive', a: 0, p: 1 },
      { kind: 'arrive', a: 1, p: 0 },
      { kind: 'arrive', a: 0, p: 0 },
      { kind: 'arrive', a: 1, p: 0 },
    ];
    expect(runTransport(ops, 10, 'evict').deliveries).toEqual([0, 1, 2, 0, 2]);
  });
});
