import type { Endpoint } from '../endpoint.js';

/**
 * What a PROXY header says about the connection: `PROXY` relays a client (use the header's
 * addresses); `LOCAL` is the balancer speaking for itself, a health check (keep the real peer).
 */
export type ProxyCommand = 'PROXY' | 'LOCAL';

/** The relayed transport: v1 knows `TCP` and `UNSPEC` (its `UNKNOWN`); v2 also `UDP`. */
export type ProxyTransport = 'TCP' | 'UDP' | 'UNSPEC';

/**
 * One v2 type-length-value entry, as it was on the wire.
 *
 * @example
 * ```ts
 * const alpn: ProxyTlv = { type: PROXY_TLV.ALPN, value: new TextEncoder().encode('h2') };
 * ```
 */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * The registered v2 TLV types (HAProxy's `doc/proxy-protocol.txt` §2.2) and the SSL sub-types.
 *
 * @example
 * ```ts
 * declare const header: ProxyHeader; // from proxyHeaderDecoder
 * header.tlvs.filter((t) => t.type === PROXY_TLV.UNIQUE_ID);
 * ```
 */
export const PROXY_TLV = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  SSL_VERSION: 0x21,
  SSL_CN: 0x22,
  SSL_CIPHER: 0x23,
  SSL_SIG_ALG: 0x24,
  SSL_KEY_ALG: 0x25,
  NETNS: 0x30,
} as const;

/**
 * The v2 `SSL` TLV: how the client reached the balancer over TLS.
 *
 * @example
 * ```ts
 * declare const header: ProxyHeader; // from proxyHeaderDecoder
 * if (header.ssl && header.ssl.client & 0x01) console.log(`client used ${header.ssl.version}`);
 * ```
 */
export interface ProxySslInfo {
  /** Bit field: 0x01 client used TLS, 0x02 sent a certificate on this connection, 0x04 in this session. */
  readonly client: number;
  /** 0 when the client's certificate was verified, non-zero otherwise. */
  readonly verify: number;
  readonly version?: string;
  readonly commonName?: string;
  readonly cipher?: string;
  readonly signatureAlgorithm?: string;
  readonly keyAlgorithm?: string;
  /** Every sub-TLV, as on the wire (including those above). */
  readonly tlvs: readonly ProxyTlv[];
}

/**
 * A decoded PROXY protocol header (v1 or v2).
 *
 * `source` is the client the balancer relays and `destination` the address it was connected to;
 * both are absent for `LOCAL`, for v1 `UNKNOWN`, and for v2 `AF_UNSPEC`/`AF_UNIX` blocks — the
 * receiver then keeps the connection's real endpoints, as the specification says.
 *
 * @example
 * ```ts
 * declare const header: ProxyHeader; // from proxyHeaderDecoder
 * const client = header.source ?? conn.remote;
 * ```
 */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: ProxyCommand;
  readonly transport: ProxyTransport;
  readonly source?: Endpoint;
  readonly destination?: Endpoint;
  /** v2 TLVs in wire order (empty for v1). */
  readonly tlvs: readonly ProxyTlv[];
  /** Bytes the header took on the wire. */
  readonly length: number;
  // The fields below come from the first TLV of their type; every TLV stays in `tlvs`.
  /** `ALPN` TLV as text (`h2`, `http/1.1`). */
  readonly alpn?: string;
  /** `AUTHORITY` TLV: the host name the client asked for (TLS SNI). */
  readonly authority?: string;
  /** `UNIQUE_ID` TLV: the balancer's id for this connection (≤ 128 bytes). */
  readonly uniqueId?: Uint8Array;
  /** `SSL` TLV. */
  readonly ssl?: ProxySslInfo;
  /** `NETNS` TLV: the network namespace name. */
  readonly netns?: string;
  /** `CRC32C` TLV's value, present only when it matched the header (a mismatch is an error). */
  readonly crc32c?: number;
}

/** The 12-byte v2 signature (`\r\n\r\n\0\r\nQUIT\n`). */
export const PROXY_V2_SIGNATURE = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);
/** `PROXY ` — a v1 line's first six bytes. */
export const PROXY_V1_SIGNATURE = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20);
/** The longest v1 line, CRLF included (`PROXY UNKNOWN` with two full IPv6 addresses and ports). */
export const PROXY_V1_MAX_LENGTH = 107;

/**
 * True when `bytes` begin with a whole v1 or v2 signature: a connection that opens like this is
 * trying to name a client, which only a trusted balancer may do.
 *
 * @example
 * ```ts
 * hasProxySignature(new TextEncoder().encode('PROXY TCP4 …')); // true
 * ```
 */
export function hasProxySignature(bytes: Uint8Array): boolean {
  return startsWith(bytes, PROXY_V1_SIGNATURE) || startsWith(bytes, PROXY_V2_SIGNATURE);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
