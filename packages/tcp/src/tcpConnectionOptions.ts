import type { Endpoint, PacketCapture, PortaError } from '@porta/core';
import type { Observable, SchedulerLike } from 'rxjs';
import type { ProxiedConnection } from './proxyProtocolOptions.js';

// The public vocabulary of a TcpConnection: its options, its receive water marks, its counters and
// what sendAll takes. Kept apart from the class so the class file holds only the connection itself.

/**
 * Options a listener or `connectTcp` gives each connection it makes.
 *
 * @example
 * ```ts
 * import { connect } from 'node:net';
 * const conn = new TcpConnection(connect(1060, '127.0.0.1'), { idleTimeoutMs: 30_000 });
 * ```
 */
export interface TcpConnectionOptions {
  /**
   * Close the connection with a `TIMEOUT` error after this long without traffic in either direction
   * (bytes delivered to a reader, or bytes sent). Time during which our side holds the data — a
   * `receive` queue not yet drained, a paused socket — does not count. Default: no idle timeout.
   */
  readonly idleTimeoutMs?: number;
  /** Clock for the idle timeout; inject a virtual-time scheduler in tests. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * `sendAll` with an Observable source fails once this many bytes wait in the socket's write buffer
   * (an Observable cannot be asked to wait; pass an iterable to pull instead). Default 64 MiB.
   */
  readonly maxPendingWriteBytes?: number;
  /**
   * The most bytes one write of {@link TcpConnection.sendBatch} gathers (a larger frame is written
   * alone), and the most that sends of one turn wait to be written together. Bounds the copy a batch
   * makes and how much one write holds back from the peer. Default 64 KiB.
   */
  readonly maxWriteBatchBytes?: number;
  /**
   * The socket was relayed by a trusted balancer that sent this PROXY header (see the listener's
   * `proxyProtocol` option): `remote` becomes the client the header names (unless it is `LOCAL` or
   * names no address) and {@link TcpConnection.proxied} keeps the balancer's address.
   */
  readonly proxied?: ProxiedConnection;
  /**
   * Looks at the first chunk read before anyone sees it; when it returns an error, that chunk is
   * not delivered and the connection fails with the error. The listener uses it to refuse a PROXY
   * header from a source that is not trusted to send one.
   */
  readonly screenFirstChunk?: (chunk: Uint8Array) => PortaError | undefined;
  /**
   * Record this connection in a pcapng capture as synthesized TCP segments (core's
   * `PacketCapture`). Default: none, and then nothing is recorded.
   */
  readonly capture?: PacketCapture;
  /** Which end opened the connection, for the capture's handshake. Default `server` (accepted). */
  readonly side?: 'client' | 'server';
  /**
   * This end's address when the caller already knows it, so that none is asked of the socket
   * (getsockname): a listener bound to one address (not `0.0.0.0` or `::`) passes its own, which
   * every connection it accepts shares. Default: the socket's.
   */
  readonly local?: Endpoint;
}

/**
 * Water marks for {@link TcpConnection.receive}.
 *
 * @example
 * ```ts
 * conn.receive(handle, { highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024 });
 * ```
 */
export interface ReceiveOptions {
  /** Pause the socket once more than this many bytes wait for the handler. Default 1 MiB. */
  readonly highWaterMark?: number;
  /** Resume it once the waiting bytes fall to this many. Default a quarter of the high-water mark. */
  readonly lowWaterMark?: number;
}

/**
 * A snapshot of a connection's counters.
 *
 * @example
 * ```ts
 * console.log(`${conn.stats.bytesRead} bytes in, paused ${conn.stats.pauses} times`);
 * ```
 */
export interface TcpConnectionStats {
  /** Bytes read from the socket so far. */
  readonly bytesRead: number;
  /** Bytes handed to the socket so far (written or waiting in its buffer). */
  readonly bytesWritten: number;
  /** Bytes in the socket's own write buffer, not yet handed to the OS. */
  readonly pendingWriteBytes: number;
  /** Bytes waiting in {@link TcpConnection.receive} queues (including the chunk being handled). */
  readonly queuedBytes: number;
  /** The largest `queuedBytes` seen. */
  readonly peakQueuedBytes: number;
  /** How many times `receive` paused the socket because its queue crossed the high-water mark. */
  readonly pauses: number;
}

/**
 * What {@link TcpConnection.sendAll} accepts: pushed (Observable) or pulled (iterables) frames.
 *
 * @example
 * ```ts
 * const frames: FrameSource = (function* () { yield Uint8Array.of(1); })();
 * ```
 */
export type FrameSource = Observable<Uint8Array> | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
