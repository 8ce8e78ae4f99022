import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpoint, isPortaError } from '../src/index.js';
import { BoundedMap, PeerMap } from '../src/transport/index.js';

type Op =
  | { readonly op: 'get' | 'peek' | 'delete'; readonly key: number }
  | { readonly op: 'set'; readonly key: number; readonly value: number };

const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constantFrom('get' as const, 'peek' as const, 'delete' as const),
      key: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 7 }), value: fc.integer() }),
  ),
  { maxLength: 200 },
);

describe('BoundedMap', () => {
  it('behaves as a least-recently-used list of at most maxSize entries (evict) or refuses newcomers when full (reject)', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 5 }), fc.boolean(), (script: Op[], maxSize, reject) => {
        const evicted: number[] = [];
        const map = new BoundedMap<number, number>({
          maxSize,
          whenFull: reject ? 'reject' : 'evict',
          onEvict: (k) => evicted.push(k),
        });
        // The model: entries least recently used first.
        let model: [number, number][] = [];
        const modelEvicted: number[] = [];
        for (const step of script) {
          const at = model.findIndex(([k]) => k === step.key);
          if (step.op === 'get') {
            expect(map.get(step.key)).toBe(at < 0 ? undefined : model[at]?.[1]);
            if (at >= 0) model = [...model.filter((_, i) => i !== at), model[at] as [number, number]];
          } else if (step.op === 'peek') {
            expect(map.peek(step.key)).toBe(at < 0 ? undefined : model[at]?.[1]);
          } else if (step.op === 'delete') {
            expect(map.delete(step.key)).toBe(at >= 0);
            if (at >= 0) model = model.filter((_, i) => i !== at);
          } else {
            const { value } = step as Extract<Op, { op: 'set' }>;
            let accepted = true;
            if (at >= 0) model = model.filter((_, i) => i !== at);
            else if (model.length >= maxSize) {
              if (reject) accepted = false;
              else modelEvicted.push((model.shift() as [number, number])[0]);
            }
            if (accepted) model.push([step.key, value]);
            expect(map.set(step.key, value)).toBe(accepted);
          }
          expect(map.size).toBe(model.length);
          expect(map.size).toBeLessThanOrEqual(maxSize);
        }
        expect([...map.entries()]).toEqual(model);
        expect(evicted).toEqual(modelEvicted);
      }),
    );
  });

  it('refuses a bound that is not an integer ≥ 1 and an unknown whenFull', () => {
    expect(() => new BoundedMap({ maxSize: 0 })).toThrow(/maxSize must be an integer ≥ 1, got 0/);
    let thrown: unknown;
    try {
      new BoundedMap({ maxSize: 1, whenFull: 'drop' as 'evict' });
    } catch (err) {
      thrown = err;
    }
    expect(isPortaError(thrown, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('PeerMap', () => {
  it('keys peers as sameOrigin compares them: an IPv4-mapped or re-spelled IPv6 address is the same peer', () => {
    const peers = new PeerMap<string>({ maxSize: 4 });
    peers.set(endpoint('127.0.0.1', 1060), 'v4');
    expect(peers.get(endpoint('::ffff:127.0.0.1', 1060))).toBe('v4');
    expect(peers.has(endpoint('127.0.0.1', 1061))).toBe(false);
    peers.set(endpoint('2001:db8::1', 53), 'v6');
    expect(peers.peek(endpoint('2001:0db8:0:0:0:0:0:1', 53))).toBe('v6');
    expect(peers.delete(endpoint('2001:db8:0::1', 53))).toBe(true);
    expect(peers.size).toBe(1);
  });

  it('evicts the least recently used peer when full', () => {
    const peers = new PeerMap<number>({ maxSize: 2 });
    peers.set(endpoint('10.0.0.1', 1), 1);
    peers.set(endpoint('10.0.0.2', 1), 2);
    peers.get(endpoint('10.0.0.1', 1));
    peers.set(endpoint('10.0.0.3', 1), 3);
    expect([...peers.values()]).toEqual([1, 3]);
  });
});
