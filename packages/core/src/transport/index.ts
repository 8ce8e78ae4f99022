/**
 * `@porta/core/transport`: what a transport's author needs, apart from what users compose — the
 * plugin contract `serve` runs on ({@link TransportPlugin}, {@link PeerLink}), `datagramTransport`
 * (a whole transport over any `DatagramSocket`), and the helpers porta's own transports share: errno
 * mapping, host-name resolution, signal and option checks, the wait for a closed handle to be released. `@porta/udp` and
 * `@porta/tcp` are built on it; a user of them never needs it.
 *
 * @example
 * ```ts
 * import { datagramTransport } from '@porta/core/transport';
 * ```
 * @module
 */

export { abortErrorOf, assertSignal } from '../abort.js';
export * from '../datagramTransport.js';
export { dnsLookupError } from '../errors/dnsLookupError.js';
export * from '../handlesReleased.js';
export * from '../multicast.js';
export * from '../optionChecks.js';
export * from '../peerMap.js';
export type * from '../plugin.js';
export * from '../resolveEndpoint.js';
export * from '../systemError.js';
