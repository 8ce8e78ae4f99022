import { Observable } from 'rxjs';
import { abortErrorOf } from './abort.js';
import { assertPort, type Endpoint, type Family, familyOf } from './endpoint.js';
import { dnsLookupError } from './errors/dnsLookupError.js';
import { InvalidArgumentError } from './errors.js';

/**
 * A name lookup in the shape of Node's `dns.lookup` (and of the `lookup` option of `net.connect` and
 * `dgram.createSocket`): one address for `hostname`, of `options.family` when given. core never
 * resolves names itself (it imports no `node:dns`): the transport that needs a lookup passes one.
 *
 * @example
 * ```ts
 * import { lookup } from 'node:dns';
 * const viaOs: LookupFunction = lookup;
 * const pinned: LookupFunction = (_hostname, _options, callback) => callback(null, '127.0.0.1', 4);
 * ```
 */
export type LookupFunction = (
  hostname: string,
  options: { readonly family?: 4 | 6 },
  callback: (err: Error | null, address: string, family: number) => void,
) => void;

/**
 * Options of {@link resolveEndpoint}.
 *
 * @example
 * ```ts
 * import { lookup } from 'node:dns';
 * const options: ResolveEndpointOptions = { lookup, family: 6, signal: AbortSignal.timeout(2_000) };
 * ```
 */
export interface ResolveEndpointOptions {
  /** How a host name becomes an address (Node's `dns.lookup`, or a cache in the same shape). */
  readonly lookup: LookupFunction;
  /** Resolve to this IP family only; an IP literal must be of it. Default: whichever the lookup gives. */
  readonly family?: 4 | 6;
  /** Aborting it during the lookup errors with `AbortError` (`ABORT_ERR`); the late answer is ignored. */
  readonly signal?: AbortSignal;
  /** What the lookup is for, named in an abort's message. Default `resolving <host>`. */
  readonly what?: string;
}

/**
 * True when `host` can be looked up as a name: labels of letters, digits, `-` and `_` separated by
 * dots (RFC 1123, with the underscore resolvers accept), and not all digits — a dotted number that
 * is not an IPv4 address (`256.1.1.1`, `1.2.3`) is a typo, since no top-level domain is numeric.
 * Anything with a `:` is an IPv6 literal or nothing.
 *
 * @example
 * ```ts
 * isHostName('localhost'); // true
 * isHostName('256.1.1.1'); // false
 * ```
 */
export function isHostName(host: string): boolean {
  return (
    typeof host === 'string' &&
    host.length <= 253 &&
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(host) &&
    !/^[\d.]+$/.test(host)
  );
}

/**
 * An `{ address, port }` whose address may be a host name, as an {@link Endpoint}: an IP literal at
 * once (synchronously, no lookup), a host name after one `lookup` — so a socket that needs it is
 * made only once the address is known, and a name that does not resolve opens nothing. Emits one
 * Endpoint and completes.
 *
 * Errors: `INVALID_ARGUMENT` (synchronously) for an address that is neither an IP literal nor a host
 * name, a bad port, or a literal of the other `family`; `DNS_LOOKUP_FAILED`
 * ({@link @porta/core!DnsLookupError}) when the lookup fails; `ABORT_ERR` when `signal` aborts first.
 * Unsubscribing during the lookup ignores its answer.
 *
 * @example
 * ```ts
 * import { lookup } from 'node:dns';
 * resolveEndpoint({ address: 'localhost', port: 1060 }, { lookup }).subscribe((server) =>
 *   console.log(server.family, server.address), // IPv4 127.0.0.1, say
 * );
 * ```
 */
export function resolveEndpoint(
  remote: { readonly address: string; readonly port: number },
  options: ResolveEndpointOptions,
): Observable<Endpoint> {
  return new Observable<Endpoint>((subscriber) => {
    const { address, port } = remote;
    const { family, signal } = options;
    try {
      assertPort(port);
      if (family !== undefined && family !== 4 && family !== 6) {
        throw new InvalidArgumentError(`family must be 4 or 6, got ${String(family)}`);
      }
      const literal = familyOf(address);
      if (literal !== undefined) {
        if (family !== undefined && literal !== familyName(family)) {
          throw new InvalidArgumentError(`"${address}" is ${literal} but family ${family} was requested`);
        }
        subscriber.next(Object.freeze({ address, port, family: literal }));
        subscriber.complete();
        return;
      }
      if (!isHostName(address)) {
        throw new InvalidArgumentError(
          `${JSON.stringify(address)} is neither an IPv4 or IPv6 address nor a host name`,
        );
      }
    } catch (err) {
      subscriber.error(err);
      return;
    }
    const what = options.what ?? `resolving ${address}`;
    if (signal?.aborted) {
      subscriber.error(abortErrorOf(signal, what));
      return;
    }
    let settled = false;
    const onAbort = () => {
      settled = true;
      subscriber.error(abortErrorOf(signal!, what));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const answer = (err: Error | null, resolved: string, resolvedFamily: number): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        subscriber.error(dnsLookupError(err, address) ?? err);
        return;
      }
      const got = familyOf(resolved);
      if (got === undefined || (family !== undefined && got !== familyName(family))) {
        subscriber.error(
          new InvalidArgumentError(
            `the lookup of "${address}" gave ${JSON.stringify(resolved)} (family ${resolvedFamily}), not an ${family === undefined ? 'IP' : familyName(family)} address`,
          ),
        );
        return;
      }
      subscriber.next(Object.freeze({ address: resolved, port, family: got }));
      subscriber.complete();
    };
    try {
      options.lookup(address, family === undefined ? {} : { family }, answer);
    } catch (err) {
      answer(err as Error, '', 0);
    }
    return () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
  });
}

function familyName(family: 4 | 6): Family {
  return family === 6 ? 'IPv6' : 'IPv4';
}
