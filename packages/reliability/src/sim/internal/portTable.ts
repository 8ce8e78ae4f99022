import { AddressInUseError, type Endpoint, type Family, formatEndpoint } from '@porta/core';

const WILDCARD: Record<Family, string> = { IPv4: '0.0.0.0', IPv6: '::' };

/** Whether `address` is its family's wildcard (`0.0.0.0`, `::`). */
export function isWildcard(e: Endpoint): boolean {
  return e.address === WILDCARD[e.family];
}

/**
 * The bound ports of a simulated network, by bound endpoint: who is bound where, which port 0 gets,
 * and which socket an arriving datagram is for. A wildcard binding and a specific one of the same
 * family and port conflict, as without `SO_REUSEADDR`.
 */
export class PortTable<S> {
  readonly #bound = new Map<string, { readonly socket: S; readonly at: Endpoint }>();
  readonly #first: number;
  #next: number;

  constructor(firstEphemeralPort: number) {
    this.#first = firstEphemeralPort;
    this.#next = firstEphemeralPort;
  }

  /**
   * The endpoint a socket asking for `local` gets: its port, or the next free ephemeral port for 0.
   * @throws AddressInUseError when the port is taken (or, for 0, every ephemeral port is).
   */
  claim(local: Endpoint): Endpoint {
    const wildcard = isWildcard(local);
    if (local.port === 0) return { ...local, port: this.#ephemeralPort(local, wildcard) };
    if (this.#conflicts(local.address, local.family, local.port, wildcard)) {
      throw new AddressInUseError(local.address, local.port);
    }
    return local;
  }

  /** Records `socket` as bound at `bound` (an endpoint {@link claim} gave). */
  add(bound: Endpoint, socket: S): void {
    this.#bound.set(formatEndpoint(bound), { socket, at: bound });
  }

  /** Frees `bound`, if `socket` is still the one bound there. */
  release(bound: Endpoint, socket: S): void {
    const key = formatEndpoint(bound);
    if (this.#bound.get(key)?.socket === socket) this.#bound.delete(key);
  }

  /** The socket a datagram to `to` arrives at: bound to that address, or to its family's wildcard. */
  lookup(to: Endpoint): S | undefined {
    return (
      this.#bound.get(formatEndpoint(to)) ??
      this.#bound.get(formatEndpoint({ ...to, address: WILDCARD[to.family] }))
    )?.socket;
  }

  #conflicts(address: string, family: Family, port: number, wildcard: boolean): boolean {
    if (this.#bound.has(formatEndpoint({ address, port, family }))) return true;
    if (this.#bound.has(formatEndpoint({ address: WILDCARD[family], port, family }))) return true;
    if (!wildcard) return false;
    for (const { at } of this.#bound.values()) {
      if (at.family === family && at.port === port) return true;
    }
    return false;
  }

  #ephemeralPort(local: Endpoint, wildcard: boolean): number {
    const span = 65536 - this.#first;
    for (let i = 0; i < span; i++) {
      const port = this.#next;
      this.#next = port === 65535 ? this.#first : port + 1;
      if (!this.#conflicts(local.address, local.family, port, wildcard)) return port;
    }
    throw new AddressInUseError(local.address, 0);
  }
}
