// One bounded map for per-peer (and per-sender) state: every table of "one entry per remote" in porta
// is bounded, keyed the way sameOrigin compares, and says what happens when it is full.
import type { Endpoint } from './endpoint.js';
import { originKey } from './filterOrigin.js';
import { checkOneOf, checkPositiveInteger } from './optionChecks.js';

/** Options of a {@link BoundedMap} (and a {@link PeerMap}). */
export interface BoundedMapOptions<K, V> {
  /** Most entries held. */
  readonly maxSize: number;
  /**
   * When full, `'evict'` (default) drops the least recently used entry to make room; `'reject'`
   * refuses the new entry (`set` returns false), so established entries are never displaced.
   */
  readonly whenFull?: 'evict' | 'reject';
  /** Called with an entry `set` evicted to make room (not for `delete`). */
  readonly onEvict?: (key: K, value: V) => void;
}

/**
 * A map with at most `maxSize` entries, in recency order: `get` and `set` make an entry the most
 * recently used, and a full map evicts the least recently used one (or refuses, with
 * `whenFull: 'reject'`). Memory is bounded whatever a peer sends.
 *
 * @example
 * ```ts
 * import { BoundedMap } from '@porta/core/transport';
 * const senders = new BoundedMap<bigint, string>({ maxSize: 2 });
 * senders.set(1n, 'a');
 * senders.set(2n, 'b');
 * senders.get(1n); // 'a', now the most recent
 * senders.set(3n, 'c'); // evicts 2n
 * ```
 */
export class BoundedMap<K, V> {
  readonly maxSize: number;
  readonly #entries = new Map<K, V>();
  readonly #reject: boolean;
  readonly #onEvict: ((key: K, value: V) => void) | undefined;

  constructor(options: BoundedMapOptions<K, V>) {
    this.maxSize = checkPositiveInteger(options.maxSize, 'maxSize');
    this.#reject = checkOneOf(options.whenFull ?? 'evict', 'whenFull', ['evict', 'reject']) === 'reject';
    this.#onEvict = options.onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** The entry of `key`, made the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** The entry of `key`, its recency unchanged. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /**
   * Sets `key` as the most recently used entry. A new key in a full map evicts the least recently
   * used entry, or, with `whenFull: 'reject'`, is refused: then it returns false.
   */
  set(key: K, value: V): boolean {
    if (this.#entries.delete(key)) {
      this.#entries.set(key, value);
      return true;
    }
    if (this.#entries.size >= this.maxSize) {
      if (this.#reject) return false;
      const oldest = this.#entries.entries().next();
      if (oldest.done !== true) {
        this.#entries.delete(oldest.value[0]);
        this.#onEvict?.(oldest.value[0], oldest.value[1]);
      }
    }
    this.#entries.set(key, value);
    return true;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** The entries, least recently used first. */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }

  values(): IterableIterator<V> {
    return this.#entries.values();
  }
}

/**
 * A {@link BoundedMap} of per-peer state keyed by endpoint the way core's `sameOrigin` compares
 * them (`originKey`: `::ffff:127.0.0.1` is `127.0.0.1`, IPv6 spellings by value), so a reply from a
 * peer finds the state of the request sent to it whatever the spelling.
 *
 * @example
 * ```ts
 * import { PeerMap } from '@porta/core/transport';
 * const rtts = new PeerMap<number>({ maxSize: 1024 });
 * rtts.set(endpoint('127.0.0.1', 1060), 20);
 * rtts.get(endpoint('::ffff:127.0.0.1', 1060)); // 20
 * ```
 */
export class PeerMap<V> {
  readonly #map: BoundedMap<string, V>;

  constructor(options: BoundedMapOptions<string, V>) {
    this.#map = new BoundedMap(options);
  }

  get size(): number {
    return this.#map.size;
  }

  get maxSize(): number {
    return this.#map.maxSize;
  }

  has(peer: Endpoint): boolean {
    return this.#map.has(originKey(peer));
  }

  /** The state of `peer`, made the most recently used. */
  get(peer: Endpoint): V | undefined {
    return this.#map.get(originKey(peer));
  }

  /** The state of `peer`, its recency unchanged. */
  peek(peer: Endpoint): V | undefined {
    return this.#map.peek(originKey(peer));
  }

  /** See {@link BoundedMap.set}: false when a full map with `whenFull: 'reject'` refused it. */
  set(peer: Endpoint, value: V): boolean {
    return this.#map.set(originKey(peer), value);
  }

  delete(peer: Endpoint): boolean {
    return this.#map.delete(originKey(peer));
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}
