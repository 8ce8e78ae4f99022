import { type MonoTypeOperatorFunction, Observable, takeWhile } from 'rxjs';
import { portaChannels } from './diagnostics/portaChannels.js';
import type { Datagram, Endpoint } from './endpoint.js';
import { formatEndpoint } from './endpoint.js';
import { parseIpv6 } from './internal/ip.js';
import { type Remote, toEndpoint } from './remote.js';

/**
 * Options of {@link filterOrigin}.
 *
 * @example
 * ```ts
 * let rejected = 0;
 * const options: FilterOriginOptions = { onDrop: (_datagram, n) => (rejected = n) };
 * ```
 */
export interface FilterOriginOptions {
  /**
   * Called with every datagram dropped because it came from elsewhere, and the running count for
   * this subscription. Without it, each drop is reported with `console.warn`, so a drop is never
   * silent; pass a callback to count, log or turn drops into events your own way.
   */
  readonly onDrop?: (datagram: Datagram, dropped: number) => void;
}

const dropChannel = portaChannels.originDrop;

const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * A canonical key for an address: dotted IPv4 for IPv4 and IPv4-mapped IPv6 (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`), eight lower-case hex groups for other IPv6, the text itself otherwise.
 */
function addressKey(address: string): string {
  const mapped = MAPPED_DOTTED.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!address.includes(':')) return address;
  const v6 = parseIpv6(address);
  if (v6 === undefined) return address.toLowerCase();
  const g = v6.groups;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  return g.map((x) => x.toString(16)).join(':') + (v6.zone === '' ? '' : `%${v6.zone}`);
}

/**
 * True when two endpoints name the same socket address: same port and same address, where an
 * IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket reports an IPv4 peer) equals
 * the IPv4 address, and IPv6 spellings compare by value (`::1` equals `0:0:0:0:0:0:0:1`). The
 * declared family is implied by the address, so it is not compared separately.
 *
 * @example
 * ```ts
 * sameOrigin(endpoint('127.0.0.1', 1060), { address: '::ffff:127.0.0.1', port: 1060, family: 'IPv6' }); // true
 * ```
 */
export function sameOrigin(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  if (a.address === b.address) return true;
  return addressKey(a.address) === addressKey(b.address);
}

/**
 * A string that is equal for two endpoints exactly when {@link sameOrigin} says they are the same:
 * the key for a map of peers by origin, so a lookup agrees with `sameOrigin` in O(1).
 *
 * @example
 * ```ts
 * originKey(endpoint('127.0.0.1', 1060)) === originKey(endpoint('::ffff:7f00:1', 1060)); // true
 * ```
 */
export function originKey(e: Endpoint): string {
  return `${addressKey(e.address)}#${e.port}`;
}

/**
 * Passes only the datagrams whose `remote` is `origin` (address and port — an `Endpoint` or a bare `{ address, port }`; see {@link sameOrigin})
 * — the course's fix for the promiscuous client, which otherwise accepts a reply from anyone who
 * guesses its port. Every other datagram is dropped, counted and reported to `onDrop`.
 *
 * @example
 * ```ts
 * socket.datagrams.pipe(
 *   filterOrigin(server, { onDrop: (d, n) => console.log(`ignored ${n} datagram(s), latest from ${d.remote.address}`) }),
 * );
 * ```
 */
export function filterOrigin(
  origin: Endpoint | Remote,
  options: FilterOriginOptions = {},
): MonoTypeOperatorFunction<Datagram> {
  const expected = toEndpoint(origin);
  const key = addressKey(expected.address);
  const onDrop =
    options.onDrop ??
    ((d: Datagram, n: number) =>
      console.warn(
        `porta filterOrigin: dropped datagram #${n} from ${formatEndpoint(d.remote)} ` +
          `(expected ${formatEndpoint(expected)})`,
      ));
  return (source) =>
    new Observable<Datagram>((subscriber) => {
      let dropped = 0;
      // takeWhile: see decodeWith (a synchronous source is otherwise pulled on after the output ended).
      return source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next(d) {
          // A synchronous source keeps emitting after an onDrop that threw has errored the output.
          if (subscriber.closed) return;
          const r = d.remote;
          if (r.port === expected.port && (r.address === expected.address || addressKey(r.address) === key)) {
            subscriber.next(d);
            return;
          }
          dropped++;
          if (dropChannel.hasSubscribers) dropChannel.publish({ remote: r, expected, data: d.data });
          try {
            onDrop(d, dropped);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
