import type { Endpoint } from '../endpoint.js';

/**
 * What a {@link PeerTable} holds: something with a remote endpoint, and two fields the table owns
 * (the entry's neighbours in its recency list), so that moving an entry costs no allocation.
 */
export interface PeerTableEntry<E> {
  readonly remote: Endpoint;
  /** The next less recently active entry; owned by the table. */
  older: E | undefined;
  /** The next more recently active entry; owned by the table. */
  newer: E | undefined;
}

/**
 * A datagram transport's peers, found by remote address then numeric port (no key string is built
 * per datagram), in recency order: an intrusive doubly linked list from the least recently active
 * entry (`oldest`) to the most, so that `touch` (a datagram arrived) and `remove` are a few pointer
 * writes, not a Map delete and re-insert.
 */
export class PeerTable<E extends PeerTableEntry<E>> {
  readonly #byAddress = new Map<string, Map<number, E>>();
  #oldest: E | undefined;
  #newest: E | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The least recently active entry. */
  get oldest(): E | undefined {
    return this.#oldest;
  }

  get(address: string, port: number): E | undefined {
    return this.#byAddress.get(address)?.get(port);
  }

  /** Adds `entry` as the most recently active; its remote must not be in the table. */
  add(entry: E): void {
    const { address, port } = entry.remote;
    let byPort = this.#byAddress.get(address);
    if (byPort === undefined) {
      byPort = new Map();
      this.#byAddress.set(address, byPort);
    }
    byPort.set(port, entry);
    this.#size++;
    this.#append(entry);
  }

  /** Removes `entry` if it is the table's entry for its remote; true when it was. */
  remove(entry: E): boolean {
    const { address, port } = entry.remote;
    const byPort = this.#byAddress.get(address);
    if (byPort?.get(port) !== entry) return false;
    byPort.delete(port);
    if (byPort.size === 0) this.#byAddress.delete(address);
    this.#size--;
    this.#unlink(entry);
    return true;
  }

  /** Makes `entry` (in the table) the most recently active. */
  touch(entry: E): void {
    if (this.#newest === entry) return;
    this.#unlink(entry);
    this.#append(entry);
  }

  /** Every entry, least recently active first (a copy: entries may be removed meanwhile). */
  entries(): E[] {
    const out: E[] = [];
    for (let e = this.#oldest; e !== undefined; e = e.newer) out.push(e);
    return out;
  }

  #append(entry: E): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }

  #unlink(entry: E): void {
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
