import { errnoOf } from '../systemError.js';
import { PortaError } from './portaError.js';

/** getaddrinfo's failures, as Node reports them (`dns.lookup`, `net.connect`, `server.listen`). */
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA']);

/**
 * A host name could not be resolved to an address (`DNS_LOOKUP_FAILED`): no such name
 * (`ENOTFOUND`), or the resolver failed or timed out (`EAI_AGAIN`). `host` is the name that was
 * looked up and `syscallCode` the resolver's own code, so a caller can tell "no such host" from
 * "try again later".
 *
 * @example
 * ```ts
 * connectTcp({ host: 'db.internal', port: 5432 }).subscribe({
 *   error: (err) => err instanceof DnsLookupError && console.error(`no address for ${err.host}`),
 * });
 * ```
 */
export class DnsLookupError extends PortaError<'DNS_LOOKUP_FAILED'> {
  override readonly name = 'DnsLookupError';
  constructor(
    readonly host: string,
    readonly syscallCode: string,
    options?: { readonly cause?: unknown },
  ) {
    const why = syscallCode === 'EAI_AGAIN' ? 'the resolver failed or timed out' : 'no such host';
    super('DNS_LOOKUP_FAILED', `could not resolve host name "${host}": ${why} (${syscallCode})`, options);
  }
}

/**
 * The {@link DnsLookupError} for a Node error that is a failed name lookup of `host`, or `undefined`
 * for any other error. Transports call it before their own errno mapping.
 *
 * @example
 * ```ts
 * import { createConnection } from 'node:net';
 * const host = 'db.internal';
 * createConnection({ host, port: 5432 }).on('error', (err) => {
 *   throw dnsLookupError(err, host) ?? err;
 * });
 * ```
 */
export function dnsLookupError(err: unknown, host: string): DnsLookupError | undefined {
  const code = errnoOf(err);
  if (code === undefined || !DNS_CODES.has(code)) return undefined;
  // Node only sets `hostname` on lookup errors; a bare ENODATA from elsewhere is not one.
  if (code === 'ENODATA' && (err as { hostname?: unknown }).hostname === undefined) return undefined;
  const looked = (err as { hostname?: unknown }).hostname;
  return new DnsLookupError(typeof looked === 'string' ? looked : host, code, { cause: err });
}
