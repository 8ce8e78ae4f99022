import { lookup } from 'node:dns';
import type { Endpoint } from '@porta/core';
import { type LookupFunction, resolveEndpoint } from '@porta/core/transport';
import type { Subscriber, TeardownLogic } from 'rxjs';

/** What a host name's one lookup needs: the function (default `dns.lookup`), family, signal. */
export interface HostLookup {
  readonly lookup: LookupFunction | undefined;
  readonly family: 4 | 6 | undefined;
  readonly signal: AbortSignal | undefined;
  /** `bindUdp localhost:0`: named in an abort's message. */
  readonly what: string;
}

/**
 * Looks `target`'s host name up once, then opens the socket at the address it resolved to with
 * `open` (which may throw `INVALID_ARGUMENT` for options that do not fit that address's family).
 * Every failure errors `subscriber`; unsubscribing during the lookup ignores its answer, so no
 * socket is made. Returns the teardown.
 */
export function openResolved<S>(
  subscriber: Subscriber<S>,
  target: { readonly address: string; readonly port: number },
  how: HostLookup,
  open: (resolved: Endpoint) => TeardownLogic,
): TeardownLogic {
  const resolving = resolveEndpoint(target, {
    lookup: how.lookup ?? lookup,
    ...(how.family === undefined ? {} : { family: how.family }),
    ...(how.signal === undefined ? {} : { signal: how.signal }),
    what: how.what,
  }).subscribe({
    next: (resolved) => {
      try {
        subscriber.add(open(resolved));
      } catch (err) {
        subscriber.error(err);
      }
    },
    error: (err: unknown) => subscriber.error(err),
  });
  return () => resolving.unsubscribe();
}
