import type { Socket } from 'node:net';
import {
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  MailboxOverflowError,
  type PacketCapture,
  type PeerLink,
  type PortaError,
  portaChannels,
  SocketClosedError,
  TimeoutError,
} from '@porta/core';
import {
  asyncScheduler,
  from,
  isObservable,
  Observable,
  type ObservableInput,
  type SchedulerLike,
  type Subscription,
  takeWhile,
} from 'rxjs';
import { captureTap, type TcpCaptureTap } from './internal/captureTap.js';
import { chunkIterator } from './internal/chunkIterator.js';
import { closeReasonOf } from './internal/closeReason.js';
import { localOf, remoteOf } from './internal/socketEndpoints.js';
import { toPortaError } from './internal/systemError.js';
import type { ProxiedConnection } from './proxyProtocolOptions.js';

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

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
const DEFAULT_MAX_PENDING_WRITE = 64 * 1024 * 1024;
const USER_PAUSE = Symbol('user pause');

/**
 * One TCP (or TLS) connection: the course's connected socket `sc` as streams. Made by `listenTcp`
 * (ACCEPT) and `connectTcp` (CONNECT); it also implements the actor runtime's {@link PeerLink}.
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
export class TcpConnection implements PeerLink {
  readonly id: string;
  /** This end's address (getsockname). */
  readonly local: Endpoint;
  /** The peer's address (getpeername); behind a trusted balancer, the client its PROXY header names. */
  readonly remote: Endpoint;
  /** Set when a trusted balancer relayed this connection: its address and the PROXY header it sent. */
  readonly proxied: ProxiedConnection | undefined;
  /** Pausing really stops the peer: the kernel's receive window closes. */
  readonly canPause = true;
  /**
   * Inbound bytes. Completes when the peer half-closes (FIN) or the connection is closed locally;
   * errors once with a typed error on failure (`CONNECTION_RESET`, `TIMEOUT` from the idle timeout,
   * `TLS`, `SOCKET`). Reading starts with the first subscriber and stops with the last; each
   * subscriber sees the chunks that arrive while it is subscribed.
   */
  readonly bytes: Observable<Uint8Array>;
  /** Same as {@link TcpConnection.bytes}: the {@link PeerLink} name. */
  readonly inbound: Observable<Uint8Array>;
  /** Emits once and completes when the socket is fully closed, whoever closed it. */
  readonly closed: Observable<void>;

  readonly #socket: Socket;
  readonly #scheduler: SchedulerLike;
  readonly #idleTimeoutMs: number | undefined;
  readonly #maxPendingWrite: number;
  readonly #pausers = new Set<symbol>();
  readonly #tap: TcpCaptureTap | undefined;
  #readers = 0;
  #failure: PortaError | undefined;
  #isClosed = false;
  #lastActivity = 0;
  #idleTimer: Subscription | undefined;
  #queuedBytes = 0;
  #peakQueuedBytes = 0;
  #pauses = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #screenedOut = false;

  /**
   * Wraps a socket that is already connected (for TLS: after the handshake). `listenTcp` and
   * `connectTcp` do this for you; use it directly to adopt a socket made elsewhere.
   */
  constructor(socket: Socket, options: TcpConnectionOptions = {}) {
    this.#socket = socket;
    this.local = localOf(socket);
    const source = options.proxied?.header.command === 'PROXY' ? options.proxied.header.source : undefined;
    this.remote = source ?? remoteOf(socket);
    this.proxied = options.proxied;
    this.id = `tcp:${formatEndpoint(this.remote)}`;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#maxPendingWrite = options.maxPendingWriteBytes ?? DEFAULT_MAX_PENDING_WRITE;
    this.#tap =
      options.capture &&
      captureTap(socket, options.capture, this.local, this.remote, options.side ?? 'server');
    if (this.#idleTimeoutMs !== undefined && !(this.#idleTimeoutMs > 0)) {
      throw new InvalidArgumentError(`idleTimeoutMs must be > 0, got ${this.#idleTimeoutMs}`);
    }

    socket.on('error', (err) => {
      this.#failure ??= toPortaError(err, this.remote.address, this.remote.port);
    });
    socket.once('close', () => {
      this.#isClosed = true;
      this.#bytesRead = socket.bytesRead;
      this.#bytesWritten = socket.bytesWritten;
      this.#idleTimer?.unsubscribe();
      this.#idleTimer = undefined;
      if (portaChannels.tcpClose.hasSubscribers) this.#publishClose();
    });
    this.#updateFlow();
    if (options.screenFirstChunk !== undefined) this.#screen(options.screenFirstChunk);
    if (this.#idleTimeoutMs !== undefined) {
      this.#touch();
      this.#armIdle(this.#idleTimeoutMs);
    }

    this.bytes = new Observable<Uint8Array>((subscriber) => {
      if (this.#isClosed || socket.destroyed) {
        if (this.#failure) subscriber.error(this.#failure);
        else subscriber.complete();
        return;
      }
      if (socket.readableEnded) {
        subscriber.complete();
        return;
      }
      const onData = (chunk: Buffer) => {
        if (this.#screenedOut) return;
        if (this.#idleTimeoutMs !== undefined) this.#touch();
        this.#tap?.inbound(chunk);
        subscriber.next(chunk);
      };
      const onEnd = () => subscriber.complete();
      const onClose = () => {
        if (this.#failure) subscriber.error(this.#failure);
        else subscriber.complete();
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onClose);
      this.#readers++;
      this.#updateFlow();
      return () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onClose);
        this.#readers--;
        this.#updateFlow();
      };
    });
    this.inbound = this.bytes;

    this.closed = new Observable<void>((subscriber) => {
      const done = () => {
        subscriber.next();
        subscriber.complete();
      };
      if (this.#isClosed) {
        done();
        return;
      }
      socket.once('close', done);
      return () => socket.off('close', done);
    });
  }

  /** A snapshot of this connection's counters. */
  get stats(): TcpConnectionStats {
    const open = !this.#isClosed;
    return {
      bytesRead: open ? this.#socket.bytesRead : this.#bytesRead,
      bytesWritten: open ? this.#socket.bytesWritten : this.#bytesWritten,
      pendingWriteBytes: open ? this.#socket.writableLength : 0,
      queuedBytes: this.#queuedBytes,
      peakQueuedBytes: this.#peakQueuedBytes,
      pauses: this.#pauses,
    };
  }

  /** True once the socket is fully closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Sends `data` with `sendall` semantics: completes (after one `undefined`) once every byte is
   * handed to the OS — when the socket's buffer is full that means after `drain` — or errors with a
   * typed error if the socket dies first (`CONNECTION_RESET`, `SOCKET_CLOSED`, …). Nothing is sent
   * until you subscribe; unsubscribing cannot take back bytes already handed to the socket.
   *
   * @example
   * ```ts
   * await lastValueFrom(conn.send(new TextEncoder().encode('Enviei, servidor')));
   * ```
   */
  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      const closed = this.#writeClosedError();
      if (closed) {
        subscriber.error(closed);
        return;
      }
      this.#write(data, (err) => {
        if (err) subscriber.error(err);
        else {
          subscriber.next();
          subscriber.complete();
        }
      });
    });
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
    if (isObservable(frames)) return this.#sendPushed(frames);
    return this.#sendPulled(frames);
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
    const high = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const low = options.lowWaterMark ?? Math.floor(high / 4);
    if (!(high > 0) || !(low >= 0) || low > high) {
      throw new InvalidArgumentError(
        `receive needs 0 <= lowWaterMark <= highWaterMark and highWaterMark > 0, got ${low} and ${high}`,
      );
    }
    return new Observable<R>((subscriber) => {
      const token = Symbol('receive');
      const queue: Uint8Array[] = [];
      let inputDone = false;
      let busy = false;
      let draining = false;
      let current: Subscription | undefined;
      let queued = 0;

      const release = (n: number) => {
        queued -= n;
        this.#queuedBytes -= n;
        if (queued <= low && this.#pausers.delete(token)) this.#updateFlow();
      };
      // A loop, not recursion: a synchronous handler over a long queue must not grow the stack.
      const drain = () => {
        if (draining) return;
        draining = true;
        while (!busy && !subscriber.closed) {
          const chunk = queue.shift();
          if (chunk === undefined) {
            if (inputDone) subscriber.complete();
            break;
          }
          busy = true;
          let result: ObservableInput<R>;
          try {
            result = handler(chunk);
          } catch (err) {
            subscriber.error(err);
            break;
          }
          current = from(result).subscribe({
            next: (value) => subscriber.next(value),
            error: (err: unknown) => subscriber.error(err),
            complete: () => {
              busy = false;
              release(chunk.length);
              if (!draining) drain();
            },
          });
        }
        draining = false;
      };

      const input = this.bytes.subscribe({
        next: (chunk) => {
          queue.push(chunk);
          queued += chunk.length;
          this.#queuedBytes += chunk.length;
          if (this.#queuedBytes > this.#peakQueuedBytes) this.#peakQueuedBytes = this.#queuedBytes;
          if (queued > high && !this.#pausers.has(token)) {
            this.#pausers.add(token);
            this.#pauses++;
            this.#updateFlow();
          }
          drain();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          inputDone = true;
          drain();
        },
      });

      return () => {
        input.unsubscribe();
        current?.unsubscribe();
        this.#queuedBytes -= queued;
        queued = 0;
        queue.length = 0;
        if (this.#pausers.delete(token)) this.#updateFlow();
      };
    });
  }

  /** Stops reading: the kernel's receive window fills and the peer's sends block. */
  pause(): void {
    this.#pausers.add(USER_PAUSE);
    this.#updateFlow();
  }

  /** Undoes {@link TcpConnection.pause} (a `receive` queue above its high-water mark still holds). */
  resume(): void {
    this.#pausers.delete(USER_PAUSE);
    this.#updateFlow();
  }

  /** Half-close: sends FIN after the bytes already queued; inbound keeps flowing. Idempotent. */
  end(): void {
    if (!this.#socket.destroyed && !this.#socket.writableEnded) this.#socket.end();
  }

  /** Closes the connection now, dropping unsent bytes. Readers complete. Idempotent. */
  close(): void {
    this.#socket.destroy();
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
    return new Promise<void>((resolve) => this.#whenClosed(() => resolve()));
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
    if (!this.#socket.destroyed) this.#socket.resetAndDestroy();
  }

  /** Closes the connection as failed: readers see `error`. Used by the guards (idle timeout). */
  fail(error: PortaError): void {
    if (this.#socket.destroyed) return;
    this.#failure ??= error;
    this.#socket.destroy();
  }

  #publishClose(): void {
    const { local, remote } = this;
    const counts = { bytesRead: this.#bytesRead, bytesWritten: this.#bytesWritten };
    const failure = this.#failure;
    portaChannels.tcpClose.publish(
      failure === undefined ? { local, remote, ...counts } : { local, remote, ...counts, error: failure },
    );
  }

  // Runs before every reader (prepended, and added while the socket is paused, so it reads nothing
  // by itself); a refused chunk is flagged so the readers called after it in the same emit skip it.
  #screen(screen: (chunk: Uint8Array) => PortaError | undefined): void {
    const socket = this.#socket;
    const onFirst = (chunk: Buffer) => {
      socket.off('data', onFirst);
      const error = screen(chunk);
      if (error === undefined) return;
      this.#screenedOut = true;
      this.fail(error);
    };
    socket.prependListener('data', onFirst);
  }

  #updateFlow(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    const flowing = this.#readers > 0 && this.#pausers.size === 0;
    if (flowing && socket.isPaused()) socket.resume();
    else if (!flowing && !socket.isPaused()) socket.pause();
  }

  #touch(): void {
    this.#lastActivity = this.#scheduler.now();
  }

  // Checks the deadline lazily instead of re-arming a timer per chunk: traffic only stamps a time.
  #armIdle(delay: number): void {
    const timeout = this.#idleTimeoutMs;
    if (timeout === undefined || this.#isClosed) return;
    this.#idleTimer = this.#scheduler.schedule(() => {
      this.#idleTimer = undefined;
      // Data waiting for our own consumer, or a socket we paused, is not the peer being idle.
      if (this.#queuedBytes > 0 || this.#pausers.size > 0) this.#touch();
      const idle = this.#scheduler.now() - this.#lastActivity;
      if (idle >= timeout) {
        this.fail(
          new TimeoutError(`connection with ${formatEndpoint(this.remote)} idle for ${timeout} ms`, timeout),
        );
      } else {
        this.#armIdle(timeout - idle);
      }
    }, delay);
  }

  #writeClosedError(): PortaError | undefined {
    const socket = this.#socket;
    if (this.#failure && socket.destroyed) return this.#failure;
    if (socket.destroyed || this.#isClosed) {
      const why = closeReasonOf(this);
      return new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} is closed${why === undefined ? '' : `: ${why}`}`,
      );
    }
    if (socket.writableEnded) {
      return new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} was half-closed by end(): no more sends`,
      );
    }
    return undefined;
  }

  /** Writes one chunk; `done` runs once it is handed to the OS or failed. Returns write()'s verdict. */
  #write(data: Uint8Array, done: (err?: PortaError) => void): boolean {
    if (this.#idleTimeoutMs !== undefined) this.#touch();
    this.#tap?.outbound(data);
    const socket = this.#socket;
    const before = socket.writableLength;
    let handedOver = false;
    const ok = socket.write(data, (err) => {
      if (err) done(this.#failure ?? toPortaError(err, this.remote.address, this.remote.port));
      // Node calls back *without* an error for a write the socket's destruction cancelled (bytes
      // still in libuv's queue are dropped), so success with a destroyed socket is only trusted
      // when the OS took the whole chunk inside write() itself.
      else if (socket.destroyed && !handedOver) this.#whenClosed(() => done(this.#closedError()));
      else done();
    });
    // write() flushed the chunk synchronously to the OS iff the socket's buffer did not grow.
    handedOver = socket.writableLength <= before;
    return ok;
  }

  /** The error a write cut off by the socket's end reports: the failure that killed it, or SOCKET_CLOSED. */
  #closedError(): PortaError {
    return (
      this.#failure ??
      new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} closed before the bytes were handed to the OS`,
      )
    );
  }

  /** Runs `fn` once the socket has closed (after its 'error', so the failure is known). */
  #whenClosed(fn: () => void): void {
    if (this.#isClosed) fn();
    else this.#socket.once('close', fn);
  }

  #sendPushed(frames: Observable<Uint8Array>): Observable<void> {
    return new Observable<void>((subscriber) => {
      let pending = 0;
      let sourceDone = false;
      const finish = () => {
        if (sourceDone && pending === 0) {
          subscriber.next();
          subscriber.complete();
        }
      };
      // takeWhile lets a synchronous source see that we stopped: without it, `from(array)` would go on
      // calling next() after an error, before subscribe() had even returned a subscription to cancel.
      const source = frames.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (frame) => {
          const closed = this.#writeClosedError();
          if (closed) {
            subscriber.error(closed);
            return;
          }
          pending++;
          this.#write(frame, (err) => {
            pending--;
            if (err) subscriber.error(err);
            else finish();
          });
          if (this.#socket.writableLength > this.#maxPendingWrite) {
            subscriber.error(
              new MailboxOverflowError(
                this.#maxPendingWrite,
                `sendAll: ${this.#socket.writableLength} bytes wait for the socket to drain, over ` +
                  `maxPendingWriteBytes ${this.#maxPendingWrite}; the Observable outruns the peer ` +
                  '(pass an Iterable or AsyncIterable to pull frames instead)',
              ),
            );
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          finish();
        },
      });
      return () => source.unsubscribe();
    });
  }

  #sendPulled(frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Observable<void> {
    return new Observable<void>((subscriber) => {
      const socket = this.#socket;
      const isAsync = Symbol.asyncIterator in frames;
      const iterator: Iterator<Uint8Array> | AsyncIterator<Uint8Array> = isAsync
        ? (frames as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (frames as Iterable<Uint8Array>)[Symbol.iterator]();
      let pending = 0;
      let sourceDone = false;
      let stopped = false;
      let waitingDrain = false;

      const fail = (err: unknown) => {
        if (stopped) return;
        stopped = true;
        subscriber.error(err);
      };
      const finish = () => {
        if (sourceDone && pending === 0 && !stopped) {
          stopped = true;
          subscriber.next();
          subscriber.complete();
        }
      };
      const onDrain = () => {
        waitingDrain = false;
        pump();
      };
      // Returns false when the caller must stop pulling (buffer full, failed, or finished).
      const put = (result: IteratorResult<Uint8Array>): boolean => {
        if (stopped) return false;
        if (result.done) {
          sourceDone = true;
          finish();
          return false;
        }
        const closed = this.#writeClosedError();
        if (closed) {
          fail(closed);
          return false;
        }
        pending++;
        const ok = this.#write(result.value, (err) => {
          pending--;
          if (err) fail(err);
          else finish();
        });
        if (!ok) {
          waitingDrain = true;
          socket.once('drain', onDrain);
          return false;
        }
        return true;
      };
      const pump = () => {
        try {
          if (isAsync) {
            if (stopped || waitingDrain) return;
            (iterator as AsyncIterator<Uint8Array>).next().then((result) => {
              if (put(result)) pump();
            }, fail);
          } else {
            while (!stopped && !waitingDrain && put((iterator as Iterator<Uint8Array>).next()));
          }
        } catch (err) {
          fail(err);
        }
      };
      pump();

      return () => {
        const wasRunning = !sourceDone;
        stopped = true;
        socket.off('drain', onDrain);
        if (wasRunning) {
          try {
            void iterator.return?.();
          } catch {
            // The source's own cleanup failed; the subscription is over either way.
          }
        }
      };
    });
  }
}
