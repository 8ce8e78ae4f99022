import type { PendingRequest } from './pendingRequest.js';

interface Destination {
  inFlight: PendingRequest | undefined;
  readonly queue: PendingRequest[];
}

/**
 * At most one request in flight per destination (RFC 8085 §3.1.3), the others waiting in order;
 * a destination with nothing in flight or waiting is forgotten.
 */
export class DestinationQueues {
  readonly #destinations = new Map<string, Destination>();

  /** The request in flight to the destination `key`, if any. */
  inFlight(key: string): PendingRequest | undefined {
    return this.#destinations.get(key)?.inFlight;
  }

  /** Starts `request` now if its destination is free, or queues it behind the one in flight. */
  enqueue(request: PendingRequest): void {
    let destination = this.#destinations.get(request.toKey);
    if (destination === undefined) {
      destination = { inFlight: undefined, queue: [] };
      this.#destinations.set(request.toKey, destination);
    }
    if (destination.inFlight === undefined) {
      destination.inFlight = request;
      request.start();
    } else {
      destination.queue.push(request);
    }
  }

  /** Removes an ended `request`; if it was in flight, starts the next one to its destination. */
  finish(request: PendingRequest): void {
    const destination = this.#destinations.get(request.toKey);
    if (destination === undefined) return;
    if (destination.inFlight === request) {
      const next = destination.queue.shift();
      destination.inFlight = next;
      next?.start();
    } else {
      const index = destination.queue.indexOf(request);
      if (index >= 0) destination.queue.splice(index, 1);
    }
    if (destination.inFlight === undefined && destination.queue.length === 0) {
      this.#destinations.delete(request.toKey);
    }
  }
}
