import type { Endpoint, Family } from '@porta/core';
import { trustEndpoint } from './checks.js';

/** Entries kept before the cache starts over; a server talking to more remotes just allocates more. */
const LIMIT = 4096;

/**
 * One frozen {@link @porta/core!Endpoint} per (address, port) seen on a socket, so a busy receive path allocates
 * no Endpoint per datagram, and replies to it skip the destination checks (see `trustEndpoint`).
 */
export class EndpointCache {
  readonly #byAddress = new Map<string, Map<number, Endpoint>>();
  #size = 0;

  get(address: string, port: number, family: Family): Endpoint {
    let byPort = this.#byAddress.get(address);
    const hit = byPort?.get(port);
    if (hit !== undefined) return hit;
    if (this.#size >= LIMIT) {
      this.#byAddress.clear();
      this.#size = 0;
      byPort = undefined;
    }
    if (byPort === undefined) {
      byPort = new Map();
      this.#byAddress.set(address, byPort);
    }
    const e = trustEndpoint(Object.freeze({ address, port, family }));
    byPort.set(port, e);
    this.#size++;
    return e;
  }
}
