import { channel } from 'node:diagnostics_channel';
import type { ServerEvent } from '../actor/serverEvent.js';
import type { Endpoint } from '../endpoint.js';

/**
 * porta's `node:diagnostics_channel` channels, named as undici names its own (`porta:<area>:<event>`).
 * Subscribe by name (`diagnostics_channel.subscribe('porta:udp:bind', fn)`) or through these
 * objects. Every message is a plain object with the endpoints (`local`, `remote`) and the facts of
 * the event. porta checks `hasSubscribers` before building a message, so a channel nobody listens to
 * costs one property read.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('porta:request:reject', (m) => console.warn((m as RequestRejectMessage).reason));
 * ```
 */
export const portaChannels = {
  /** A UDP socket was bound (and connected, for `connectUdp`): {@link UdpBindMessage}. */
  udpBind: channel('porta:udp:bind'),
  /** A UDP socket was closed: {@link UdpCloseMessage}. */
  udpClose: channel('porta:udp:close'),
  /** `connectTcp` connected (after the TLS handshake): {@link TcpConnectMessage}. */
  tcpConnect: channel('porta:tcp:connect'),
  /** A listener accepted a connection and handed it on: {@link TcpConnectMessage}. */
  tcpAccept: channel('porta:tcp:accept'),
  /** A TCP connection closed: {@link TcpCloseMessage}. */
  tcpClose: channel('porta:tcp:close'),
  /** Every `ServerEvent` of every `serve`: {@link ServeEventMessage}. */
  serveEvent: channel('porta:serve:event'),
  /** A `requester` sent a request, first attempt or retransmission: {@link RequestSendMessage}. */
  requestSend: channel('porta:request:send'),
  /** A `requester` accepted a reply: {@link RequestReplyMessage}. */
  requestReply: channel('porta:request:reply'),
  /** A `requester` refused an inbound datagram (a spoof, a duplicate, …): {@link RequestRejectMessage}. */
  requestReject: channel('porta:request:reject'),
  /** `filterOrigin` dropped a datagram from elsewhere: {@link OriginDropMessage}. */
  originDrop: channel('porta:origin:drop'),
  /** `impair` dropped a value: {@link ImpairDropMessage}. */
  impairDrop: channel('porta:impair:drop'),
  /** `verify` refused a message (forged, truncated, a replay): {@link AuthRejectMessage}. */
  authReject: channel('porta:auth:reject'),
} as const;

/**
 * `porta:udp:bind`.
 *
 * @example
 * ```ts
 * subscribe('porta:udp:bind', (m) => console.log('bound', (m as UdpBindMessage).local.port));
 * ```
 */
export interface UdpBindMessage {
  readonly local: Endpoint;
  /** The connected remote, for `connectUdp`. */
  readonly remote?: Endpoint;
}

/**
 * `porta:udp:close`: the socket's last counters.
 *
 * @example
 * ```ts
 * subscribe('porta:udp:close', (m) => console.log((m as UdpCloseMessage).stats.sent));
 * ```
 */
export interface UdpCloseMessage {
  readonly local: Endpoint;
  readonly remote?: Endpoint;
  /** The socket's counters when it closed (`sent`, `received`, `bytesSent`, `bytesReceived`, `dropped`). */
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * `porta:tcp:connect` and `porta:tcp:accept`.
 *
 * @example
 * ```ts
 * subscribe('porta:tcp:accept', (m) => console.log('from', (m as TcpConnectMessage).remote));
 * ```
 */
export interface TcpConnectMessage {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly tls: boolean;
}

/**
 * `porta:tcp:close`.
 *
 * @example
 * ```ts
 * subscribe('porta:tcp:close', (m) => console.log((m as TcpCloseMessage).bytesRead));
 * ```
 */
export interface TcpCloseMessage {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** The failure that closed it, if one did (`CONNECTION_RESET`, `TIMEOUT`, …). */
  readonly error?: unknown;
}

/**
 * `porta:serve:event`: one `ServerEvent` and the transport it came from.
 *
 * @example
 * ```ts
 * subscribe('porta:serve:event', (m) => console.log((m as ServeEventMessage).event.type));
 * ```
 */
export interface ServeEventMessage {
  readonly transport: string;
  /** The listening address, once known. */
  readonly local?: Endpoint;
  /** The peer the event is about, when it is about one. */
  readonly remote?: Endpoint;
  readonly event: ServerEvent;
}

/**
 * `porta:request:send`.
 *
 * @example
 * ```ts
 * subscribe('porta:request:send', (m) => {
 *   const { attempt, remote } = m as RequestSendMessage;
 *   if (attempt > 1) console.log('retransmit', attempt, remote);
 * });
 * ```
 */
export interface RequestSendMessage {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** The request id (porta mode); absent in plain mode. */
  readonly id?: bigint;
  /** 1 for the first send, then 2, 3, … for retransmissions. */
  readonly attempt: number;
  /** How long it waits for a reply before the next attempt. */
  readonly waitMs: number;
  /** The datagram's bytes as sent. */
  readonly data: Uint8Array;
}

/**
 * `porta:request:reply`.
 *
 * @example
 * ```ts
 * subscribe('porta:request:reply', (m) => console.log((m as RequestReplyMessage).rttMs));
 * ```
 */
export interface RequestReplyMessage {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly id?: bigint;
  /** The attempt the reply answers, when known. */
  readonly attempt?: number;
  /** From the send it answers to the reply, when that send is known (Karn's rule). */
  readonly rttMs?: number;
  /** How long the request took from its first send, in ms. */
  readonly durationMs: number;
  /** The peer's retransmission timeout after this reply's RTT sample, when it gave one. */
  readonly rtoMs?: number;
  /** The datagram's bytes as received. */
  readonly data: Uint8Array;
}

/**
 * `porta:request:reject`.
 *
 * @example
 * ```ts
 * subscribe('porta:request:reject', (m) => console.warn((m as RequestRejectMessage).reason));
 * ```
 */
export interface RequestRejectMessage {
  readonly local: Endpoint;
  /** Who sent the refused datagram. */
  readonly remote: Endpoint;
  /** `oversize`, `malformed`, `wrongOrigin`, `wrongId`, `duplicate` or `late`. */
  readonly reason: string;
  /** Where a reply with this id was expected from, when the id is known. */
  readonly expected?: Endpoint;
  readonly id?: bigint;
  readonly data: Uint8Array;
}

/**
 * `porta:origin:drop`.
 *
 * @example
 * ```ts
 * subscribe('porta:origin:drop', (m) => console.warn((m as OriginDropMessage).remote));
 * ```
 */
export interface OriginDropMessage {
  readonly remote: Endpoint;
  readonly expected: Endpoint;
  readonly data: Uint8Array;
}

/**
 * `porta:impair:drop`.
 *
 * @example
 * ```ts
 * subscribe('porta:impair:drop', (m) => console.log('lost', (m as ImpairDropMessage).bytes));
 * ```
 */
export interface ImpairDropMessage {
  /** The sender, when the value was a datagram. */
  readonly remote?: Endpoint;
  /** The bytes dropped (a `Uint8Array` value, or a datagram's `data`). */
  readonly data?: Uint8Array;
  readonly bytes: number;
}

/**
 * `porta:auth:reject`.
 *
 * @example
 * ```ts
 * subscribe('porta:auth:reject', (m) => console.warn((m as AuthRejectMessage).reason));
 * ```
 */
export interface AuthRejectMessage {
  /** The sender, when the message was a datagram. */
  readonly remote?: Endpoint;
  /** `truncated`, `format`, `forged` or `replay`. */
  readonly reason: string;
  /** The replayed counter, for `replay`. */
  readonly counter?: bigint;
  readonly data: Uint8Array;
}
