/** What is kept of a request that ended: enough to name a later reply `late` or `duplicate`. */
export interface EndedRequest {
  readonly toKey: string;
  readonly answered: boolean;
}

/**
 * The endpoints a reply may come from (destinations of requests in flight or remembered as ended),
 * counted by `originKey`, so a reply from anyone else is `wrongOrigin` without a lookup by id.
 */
export class KnownPeers {
  readonly #counts = new Map<string, number>();

  has(key: string): boolean {
    return this.#counts.has(key);
  }

  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const n = (this.#counts.get(key) ?? 0) - 1;
    if (n > 0) this.#counts.set(key, n);
    else this.#counts.delete(key);
  }
}

/**
 * The last `limit` ended requests (by id in porta mode, by destination in plain mode), oldest
 * first; each one keeps its destination in `peers` while it is remembered.
 */
export class EndedRequests {
  readonly #ended = new Map<bigint | string, EndedRequest>();
  readonly #limit: number;
  readonly #peers: KnownPeers;

  constructor(limit: number, peers: KnownPeers) {
    this.#limit = limit;
    this.#peers = peers;
  }

  get(key: bigint | string): EndedRequest | undefined {
    return this.#ended.get(key);
  }

  has(key: bigint | string): boolean {
    return this.#ended.has(key);
  }

  remember(key: bigint | string, ended: EndedRequest): void {
    const previous = this.#ended.get(key);
    if (previous !== undefined) {
      this.#ended.delete(key);
      this.#peers.remove(previous.toKey);
    }
    this.#ended.set(key, ended);
    this.#peers.add(ended.toKey);
    if (this.#ended.size > this.#limit) {
      const oldest = this.#ended.entries().next();
      if (oldest.done !== true) {
        this.#ended.delete(oldest.value[0]);
        this.#peers.remove(oldest.value[1].toKey);
      }
    }
  }
}
