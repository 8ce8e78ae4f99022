import type { Observable, Subscription } from 'rxjs';
import type { ServerEvent } from '../src/index.js';

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Subscribes to a server's events and keeps them for assertions. */
export function record(events$: Observable<ServerEvent>): {
  readonly events: ServerEvent[];
  readonly errors: unknown[];
  readonly sub: Subscription;
  types(): string[];
  ofType<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[];
  /** The server's totals now (its live handle, from the `listening` event). */
  stats(): ServerEvent['stats'] | undefined;
} {
  const events: ServerEvent[] = [];
  const errors: unknown[] = [];
  const sub = events$.subscribe({ next: (e) => events.push(e), error: (e: unknown) => errors.push(e) });
  return {
    events,
    errors,
    sub,
    types: () => events.map((e) => e.type),
    ofType: <T extends ServerEvent['type']>(type: T) =>
      events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type),
    stats: () => {
      const listening = events.find((e) => e.type === 'listening');
      return listening?.type === 'listening' ? listening.server.stats() : undefined;
    },
  };
}

export { advanceTo, liveTimers } from '@porta/core/testing';
