import type { Socket } from 'node:net';
import { type Endpoint, formatEndpoint, type PortaError, TimeoutError } from '@porta/core';
import { checkPositiveNumber } from '@porta/core/transport';
import { asyncScheduler, Observable, type ObservableInput } from 'rxjs';
import { captureTap } from './internal/captureTap.js';
import { chunkIterator } from './internal/chunkIterator.js';
import { grantCoreAccess } from './internal/connectionAccess.js';
import { ConnectionCore } from './internal/connectionCore.js';
import { IdleGuard } from './internal/idleGuard.js';
import { receiveQueue } from './internal/receiveQueue.js';
import { sendAll } from './internal/sendAll.js';
import { maxWriteBatchOf, sendBatch } from './internal/sendBatch.js';
import { afterSend, beforeSend } from './internal/sendTurn.js';
import { localOf, remoteOf } from './internal/socketEndpoints.js';
import type { ProxiedConnection } from './proxyProtocolOptions.js';
import type {
  FrameSource,
  ReceiveOptions,
  TcpConnectionOptions,
  TcpConnectionStats,
} from './tcpConnectionOptions.js';

export type {
  FrameSource,
  ReceiveOptions,
  TcpConnectionOptions,
  TcpConnectionStats,
} from './tcpConnectionOptions.js';

const DEFAULT_MAX_PENDING_WRITE = 64 * 1024 * 1024;
const USER_PAUSE = Symbol('user pause');

/**
 * One TCP (or TLS) connection: the course's connected socket `sc` as streams. Made by `listenTcp`
 * (ACCEPT) and `connectTcp` (CONNECT); `tcpTransport` adapts it to the actor runtime's `PeerLink`.
 *
 * - Inbound: {@link TcpConnection.bytes} (chunks as the network split them) or, with a bounded
 *   queue that pauses the socket, {@link TcpConnection.receive}.
 * - Outbound: {@link TcpConnection.send} (`sendall`) and {@link TcpConnection.sendAll} (a stream of
 *   frames, pulled no faster than the socket drains).
 * - {@link TcpConnection.end} half-closes (FIN), {@link TcpConnection.close} closes.
 *
 * The socket reads only while someone reads `bytes` and nothing paused it, so bytes that arrive
 * before the first subscriber wait in the kernel, not in memory.
 *
 * @example
 * ```ts
 * connectTcp({ host: '127.0.0.1', port: 1060 }).pipe(
 *   switchMap((conn) => conn.send(hello).pipe(switchMap(() => conn.bytes.pipe(recvall(16))))),
 * );
 * ```
 */
export class TcpConnection {
  readonly id: string;
  /** This end's address (getsockname). */
  readonly local: Endpoint;
  /** The peer's address (getpeername); behind a trusted balancer, the client its PROXY header names. */
  readonly remote: Endpoint;
  /** Set when a trusted balancer relayed this connection: its address and the PROXY header it sent. */
  readonly proxied: ProxiedConnection | undefined;
  /**
   * Inbound bytes. Completes when the peer half-closes (FIN) or the connection is closed locally;
   * errors once with a typed error on failure (`CONNECTION_RESET`, `TIMEOUT` from the idle timeout,
   * `TLS`, `SOCKET`). Reading starts with the first subscriber and stops with the last; each
   * subscriber sees the chunks that arrive while it is subscribed.
   */
  get bytes(): Observable<Uint8Array> {
    // A fresh Observable per call, kept by nobody: the readers themselves live in the core.
    const core = this.#core;
    return new Observable<Uint8Array>((subscriber) => core.read(subscriber));
  }

  static {
    grantCoreAccess((conn) => conn.#core);
  }

  readonly #core: ConnectionCore;
  readonly #maxPendingWrite: number;
  readonly #maxWriteBatch: number;
  #closed: Observable<void> | undefined;

  /**
   * Wraps a socket that is already connected (for TLS: after the handshake). `listenTcp` and
   * `connectTcp` do this for you; use it directly to adopt a socket made elsewhere.
   */
  constructor(socket: Socket, options: TcpConnectionOptions = {}) {
    const local = options.local ?? localOf(socket);
    this.local = local;
    const source = options.proxied?.header.command === 'PROXY' ? options.proxied.header.source : undefined;
    const remote = source ?? remoteOf(socket);
    this.remote = remote;
    this.proxied = options.proxied;
    this.id = `tcp:${formatEndpoint(remote)}`;
    const idleTimeoutMs = options.idleTimeoutMs;
    if (idleTimeoutMs !== undefined) checkPositiveNumber(idleTimeoutMs, 'idleTimeoutMs', { infinity: true });
    this.#maxPendingWrite = options.maxPendingWriteBytes ?? DEFAULT_MAX_PENDING_WRITE;
    this.#maxWriteBatch = maxWriteBatchOf(options.maxWriteBatchBytes);
    const tap =
      options.capture && captureTap(socket, options.capture, local, remote, options.side ?? 'server');
    const core = new ConnectionCore(socket, local, remote, this, tap || undefined);
    this.#core = core;
    if (options.screenFirstChunk !== undefined) this.#screen(options.screenFirstChunk);
    if (idleTimeoutMs !== undefined) {
      core.idle = new IdleGuard(options.scheduler ?? asyncScheduler, idleTimeoutMs, core, (timeout) =>
        this.fail(
          new TimeoutError(`connection with ${formatEndpoint(remote)} idle for ${timeout} ms`, timeout),
        ),
      );
    }
  }

  /** Emits once and completes when the socket is fully closed, whoever closed it. */
  get closed(): Observable<void> {
    // Made on first use: most connections (every accepted one an actor serves) never ask.
    return (this.#closed ??= new Observable<void>((subscriber) => {
      const state = this.#core;
      const done = () => {
        subscriber.next();
        subscriber.complete();
      };
      if (state.isClosed) {
        done();
        return;
      }
      state.socket.on('close', done);
      return () => state.socket.off('close', done);
    }));
  }

  /** A snapshot of this connection's counters. */
  get stats(): TcpConnectionStats {
    const flow = this.#core;
    const open = !flow.isClosed;
    const socket = flow.socket;
    return {
      bytesRead: open ? socket.bytesRead : flow.bytesRead,
      bytesWritten: open ? socket.bytesWritten : flow.bytesWritten,
      pendingWriteBytes: open ? socket.writableLength : 0,
      queuedBytes: flow.queuedBytes,
      peakQueuedBytes: flow.peakQueuedBytes,
      pauses: flow.pauses,
    };
  }

  /** True once the socket is fully closed. */
  get isClosed(): boolean {
    return this.#core.isClosed;
  }

  /**
   * Sends `data` with `sendall` semantics: completes (after one `undefined`) once every byte is
   * handed to the OS — when the socket's buffer is full that means after `drain` — or errors with a
   * typed error if the socket dies first (`CONNECTION_RESET`, `SOCKET_CLOSED`, …). Nothing is sent
   * until you subscribe; unsubscribing cannot take back bytes already handed to the socket.
   *
   * Several sends subscribed in one turn of the event loop go out together: the first at once, the
   * rest gathered into one write when the turn ends (or as soon as `maxWriteBatchBytes` of them
   * wait), each still completing on its own, in order.
   *
   * @example
   * ```ts
   * await lastValueFrom(conn.send(new TextEncoder().encode('Enviei, servidor')));
   * ```
   */
  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      const refused = this.#core.sendRefusal();
      if (refused) {
        subscriber.error(refused);
        return;
      }
      const core = this.#core;
      beforeSend(core);
      core.sendsInFlight++;
      core.write(data, (err) => {
        core.sendsInFlight--;
        if (err) subscriber.error(err);
        else {
          subscriber.next();
          subscriber.complete();
        }
      });
      afterSend(core, data.byteLength, this.#maxWriteBatch);
    });
  }

  /**
   * Sends `frames` in order with `sendall` semantics, gathered into as few writes as
   * `maxWriteBatchBytes` (default 64 KiB) allows: a burst of small replies costs one system call,
   * not one each. Emits, once per write the OS has taken, how many of the frames it held (in order),
   * so a caller can tell exactly which frames went out; completes once all have; errors once with a
   * typed error when the rest cannot be sent (the frames not yet counted were not sent). A full
   * socket buffer makes the next write wait for `drain`.
   *
   * @example
   * ```ts
   * const replies = ['ok 1\n', 'ok 2\n'].map((s) => new TextEncoder().encode(s));
   * conn.sendBatch(replies).subscribe((n) => console.log(`${n} replies handed to the OS`));
   * ```
   */
  sendBatch(frames: readonly Uint8Array[]): Observable<number> {
    return sendBatch(this.#core, frames, this.#maxWriteBatch);
  }

  /**
   * Sends a stream of frames in order, each with `sendall` semantics; emits once and completes when
   * the last is handed to the OS, errors on the first failure (unsubscribing stops the source).
   *
   * How frames are pulled depends on what you pass:
   * - an `Iterable` or `AsyncIterable` (a generator, say) is **pulled**: the next frame is requested
   *   only while the socket's buffer is below its high-water mark, otherwise after `drain`. An
   *   endless synchronous generator costs no more memory than the socket's buffer.
   * - an `Observable` **pushes** and cannot be asked to wait, so each frame is written as it arrives
   *   and the excess waits in the socket's buffer (`stats.pendingWriteBytes`). A source that outruns
   *   the peer by more than `maxPendingWriteBytes` (default 64 MiB) fails with `MAILBOX_OVERFLOW`
   *   instead of growing without bound — for a synchronous firehose (`from(bigArray)`, `range`),
   *   pass the iterable itself.
   *
   * @example
   * ```ts
   * function* frames() { for (let i = 0; i < 1000; i++) yield new Uint8Array(64 * 1024); }
   * await lastValueFrom(conn.sendAll(frames()));
   * ```
   */
  sendAll(frames: FrameSource): Observable<void> {
    return sendAll(this.#core, frames, this.#maxPendingWrite);
  }

  /**
   * Consumes the inbound bytes one chunk at a time through `handler`, with backpressure: chunks
   * wait in a queue while the handler works; when more than `highWaterMark` bytes wait, the socket
   * is paused (the kernel window closes and the peer stops), and it resumes once they fall to
   * `lowWaterMark`. Memory stays near the high-water mark (at most one more chunk) however fast the
   * peer sends. Emits what the handler's results emit, in order; completes after the peer's FIN once
   * the queue is empty; errors on a socket failure or a handler error.
   *
   * @example
   * ```ts
   * conn.receive((chunk) => writeToDisk(chunk), { highWaterMark: 256 * 1024 }).subscribe();
   * ```
   */
  receive<R>(
    handler: (chunk: Uint8Array) => ObservableInput<R>,
    options: ReceiveOptions = {},
  ): Observable<R> {
    return receiveQueue(this.bytes, this.#core, handler, options);
  }

  /** Stops reading: the kernel's receive window fills and the peer's sends block. */
  pause(): void {
    this.#core.hold(USER_PAUSE);
  }

  /** Undoes {@link TcpConnection.pause} (a `receive` queue above its high-water mark still holds). */
  resume(): void {
    this.#core.letGo(USER_PAUSE);
  }

  /** Half-close: sends FIN after the bytes already queued; inbound keeps flowing. Idempotent. */
  end(): void {
    if (!this.#core.socket.destroyed && !this.#core.socket.writableEnded) this.#core.socket.end();
  }

  /** Closes the connection now, dropping unsent bytes. Readers complete. Idempotent. */
  close(): void {
    this.#core.socket.destroy();
  }

  /**
   * `await using` support: closes the connection as {@link TcpConnection.close} does (unsent bytes
   * are dropped, as `net.Socket`'s own `Symbol.asyncDispose` does) and resolves once the socket is
   * fully closed, its handle gone. Call `end()` and wait for `closed` first for a graceful goodbye.
   *
   * @example
   * ```ts
   * {
   *   await using conn = await openTcpConnection({ host: '127.0.0.1', port: 1060 });
   *   await lastValueFrom(conn.send(new TextEncoder().encode('hello')));
   * } // closed here, even if send threw
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return new Promise<void>((resolve) => this.#core.whenClosed(() => resolve()));
  }

  /**
   * The inbound bytes as an async iterable, with backpressure. By default the socket is paused
   * while the loop body runs and resumed when the loop asks for the next chunk, so a slow body
   * slows the peer (TCP's window closes) instead of filling memory. `highWaterMark` lets up to that
   * many bytes wait between chunks while the body runs (fewer pause/resume cycles on a fast body).
   * The loop ends after the peer's FIN; a socket failure is thrown from it; `break` stops reading.
   *
   * @example
   * ```ts
   * import { open } from 'node:fs/promises';
   * await using file = await open('received.bin', 'w');
   * for await (const chunk of conn.chunks({ highWaterMark: 64 * 1024 })) await file.write(chunk);
   * ```
   */
  chunks(options: ReceiveOptions = {}): AsyncIterableIterator<Uint8Array> {
    return chunkIterator(this, options);
  }

  /**
   * `for await (const chunk of conn)`: {@link TcpConnection.chunks} with its defaults — the socket
   * pauses while the loop body runs and resumes when it asks for more.
   *
   * @example
   * ```ts
   * for await (const chunk of conn) console.log(`${chunk.length} bytes`);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.chunks();
  }

  /**
   * Aborts the connection with an RST instead of a FIN (SO_LINGER 0): unsent bytes are dropped and
   * the peer sees `CONNECTION_RESET`. Idempotent.
   */
  reset(): void {
    if (!this.#core.socket.destroyed) this.#core.socket.resetAndDestroy();
  }

  /** Closes the connection as failed: readers see `error`. Used by the guards (idle timeout). */
  fail(error: PortaError): void {
    if (this.#core.socket.destroyed) return;
    this.#core.failure ??= error;
    this.#core.socket.destroy();
  }

  // Runs before every reader (prepended, and added while the socket is paused, so it reads nothing
  // by itself); a refused chunk is flagged so the readers called after it in the same emit skip it.
  #screen(screen: (chunk: Uint8Array) => PortaError | undefined): void {
    const socket = this.#core.socket;
    const onFirst = (chunk: Buffer) => {
      socket.off('data', onFirst);
      const error = screen(chunk);
      if (error === undefined) return;
      this.#core.screenedOut = true;
      this.fail(error);
    };
    socket.prependListener('data', onFirst);
  }
}
