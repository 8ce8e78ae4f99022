import dgram from 'node:dgram';
import {
  DatagramTooLargeError,
  type Endpoint,
  type Family,
  MAX_DATAGRAM_IPV4,
  type PacketCapture,
  type PortaError,
  SocketClosedError,
} from '@porta/core';
import { Observable, type Observer } from 'rxjs';
import type { UdpDestination } from '../bindUdp.js';
import type { UdpSocketOptions } from '../udpSocketOptions.js';
import { type BufferPlan, checkDestination, checkPayload, isIPv4Mapped, planBuffers } from './checks.js';
import type { UdpCounters } from './counters.js';
import { at, toPortaError } from './socketErrors.js';

/** Everything needed to make a socket, checked before it is made. */
export interface SocketPlan {
  readonly family: Family;
  readonly buffers: BufferPlan;
  readonly ipv6Only: boolean | undefined;
  readonly reuseAddr: boolean;
  /** SO_REUSEPORT (bindUdp only, checked there against the runtime): bind exclusively, own socket. */
  readonly reusePort?: boolean;
  readonly capture: PacketCapture | undefined;
}

/** Checks the socket options of a socket of `family`; throws `INVALID_ARGUMENT`. */
export function planSocket(family: Family, options: UdpSocketOptions): SocketPlan {
  return {
    family,
    buffers: planBuffers(options),
    ipv6Only: options.ipv6Only,
    reuseAddr: options.reuseAddr ?? false,
    capture: options.capture,
  };
}

/**
 * SOCKET, with node:dgram's address lookup replaced: porta only ever passes IP literals (checked
 * before use), so `dns.lookup` would only make each call wait a tick for an answer it already has.
 * For sends that tick matters: a send whose socket closes during it is never called back, and its
 * Observable would never settle. Once `sendsReady()` is true (the socket is open) the answer is
 * given at once, so each send is handed to the OS inside `socket.send()` and node:dgram always
 * reports its outcome, even when the socket closes next. BIND and CONNECT keep the tick, as before.
 */
export function createDgram(plan: SocketPlan, sendsReady: () => boolean): dgram.Socket {
  const lookup = (
    address: string,
    family: unknown,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    // No closure per call: this runs once per send.
    const answer = family === 6 || address.includes(':') ? 6 : 4;
    if (sendsReady()) callback(null, address, answer);
    else process.nextTick(callback, null, address, answer);
  };
  const options: dgram.SocketOptions = {
    type: plan.family === 'IPv6' ? 'udp6' : 'udp4',
    reuseAddr: plan.reuseAddr,
    lookup: lookup as unknown as NonNullable<dgram.SocketOptions['lookup']>,
  };
  if (plan.family === 'IPv6' && plan.ipv6Only !== undefined) options.ipv6Only = plan.ipv6Only;
  // @types/node 20 does not know `reusePort` (Node ≥ 22.12); bindUdp only sets it where it works.
  if (plan.reusePort === true) (options as { reusePort?: boolean }).reusePort = true;
  return dgram.createSocket(options);
}

/**
 * Sets SO_RCVBUF / SO_SNDBUF once bound. Done here rather than through createSocket's options,
 * because node:dgram applies those inside its own bind callback, where a failure would be thrown
 * out of an event handler instead of reaching the subscriber.
 */
export function applyBuffers(socket: dgram.Socket, plan: BufferPlan): void {
  // The kernel clamps a request above its limit silently, so only ever ask for more than it has.
  if (socket.getRecvBufferSize() < plan.recvBufferSize) socket.setRecvBufferSize(plan.recvBufferSize);
  if (plan.sendBufferSize !== undefined) socket.setSendBufferSize(plan.sendBufferSize);
}

/** CLOSE, tolerating a socket node:dgram already considers closed. */
export function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed, which is the state we want.
  }
}

/** getsockname as an Endpoint. */
export function localEndpoint(socket: dgram.Socket): Endpoint {
  const a = socket.address();
  return Object.freeze({ address: a.address, port: a.port, family: a.family as Family });
}

/** getpeername as an Endpoint (connected sockets only). */
export function remoteEndpoint(socket: dgram.Socket): Endpoint {
  const a = socket.remoteAddress();
  return Object.freeze({ address: a.address, port: a.port, family: a.family as Family });
}

/** The state a send needs from its socket. */
export interface SendTarget {
  readonly socket: dgram.Socket;
  readonly local: Endpoint;
  readonly family: Family;
  readonly counters: UdpCounters;
  readonly maxDatagram: number;
  readonly closed: boolean;
  /** Why it closed, when it did (said in the `SOCKET_CLOSED` of a later send). */
  readonly closedBecause?: string | undefined;
  /** Records each datagram as it is handed to the OS. */
  readonly capture: PacketCapture | undefined;
  /** The connected remote, named in errors of sends that give no destination. */
  readonly remote?: Endpoint;
  /** Told of a send failure before the sender is, so a connected socket can fail its inbound too. */
  onSendError?(error: PortaError): void;
}

/**
 * SEND as a cold Observable: each subscription sends once; emits `undefined` and completes when the
 * OS has accepted the datagram, or errors with a PortaError. Every check runs at subscription time,
 * so an Observable-returning call never throws. `to` is omitted on a connected socket.
 */
export function sendObservable(
  target: SendTarget,
  data: Uint8Array,
  to?: UdpDestination | null,
): Observable<void> {
  return new Observable<void>((subscriber) => sendNow(target, subscriber, data, to));
}

/**
 * SEND, reporting to `subscriber` (a `Subscriber`, or `sendDirect`'s observer) what
 * {@link sendObservable}'s subscribers are told. This is the per-datagram hot path: one callback
 * per send, nothing else.
 */
export function sendNow(
  target: SendTarget,
  subscriber: Observer<void>,
  data: Uint8Array,
  to: UdpDestination | null | undefined,
): void {
  if (target.closed) {
    const why = target.closedBecause;
    subscriber.error(
      new SocketClosedError(`cannot send: the UDP socket is closed${why === undefined ? '' : `: ${why}`}`),
    );
    return;
  }
  try {
    checkPayload(data);
    if (to !== undefined) checkDestination(to as UdpDestination, target.family);
  } catch (err) {
    subscriber.error(err);
    return;
  }
  const size = data.byteLength;
  const limit =
    to != null && target.family === 'IPv6' && isIPv4Mapped(to.address)
      ? MAX_DATAGRAM_IPV4
      : target.maxDatagram;
  if (size > limit) {
    subscriber.error(new DatagramTooLargeError(size, limit));
    return;
  }
  if (target.capture !== undefined) target.capture.datagram(target.local, (to ?? target.remote)!, data);
  try {
    // Inline callbacks on purpose: one closure per send, no named-function bookkeeping.
    if (to === undefined || to === null) {
      target.socket.send(data, (err) => finishSend(target, subscriber, err, size, undefined));
    } else {
      target.socket.send(data, to.port, to.address, (err) => finishSend(target, subscriber, err, size, to));
    }
  } catch (err) {
    subscriber.error(sendError(target, err, to ?? undefined));
  }
}

function finishSend(
  target: SendTarget,
  subscriber: Observer<void>,
  err: Error | null,
  size: number,
  to: UdpDestination | undefined,
): void {
  if (err) {
    const error = sendError(target, err, to);
    target.onSendError?.(error);
    subscriber.error(error);
    return;
  }
  target.counters.sent++;
  target.counters.bytesSent += size;
  subscriber.next();
  subscriber.complete();
}

function sendError(target: SendTarget, err: unknown, to: UdpDestination | undefined): PortaError {
  const where = to ?? target.remote ?? target.socket.address();
  return toPortaError(err, at(where, 'send'));
}
