import type { Socket } from 'node:net';
import {
  type Endpoint,
  formatEndpoint,
  type PortaError,
  portaChannels,
  SocketClosedError,
} from '@porta/core';
import type { Observer, Unsubscribable } from 'rxjs';
import type { TcpCaptureTap } from './captureTap.js';
import { closeReasonOf } from './closeReason.js';
import type { IdleGuard } from './idleGuard.js';
import type { TurnSender } from './sendTurn.js';
import { toPortaError } from './systemError.js';

const CORE = Symbol('porta.tcpConnection');
type CoreSocket = Socket & { [CORE]?: ConnectionCore };

// One listener function per socket event for every connection (`this` is the socket), instead of
// closures per connection and per reader: an idle connection costs little more than its socket.
function onSocketData(this: CoreSocket, chunk: Buffer): void {
  this[CORE]?.data(chunk);
}
function onSocketEnd(this: CoreSocket): void {
  this[CORE]?.ended();
}
function onSocketError(this: CoreSocket, err: Error): void {
  const core = this[CORE];
  if (core !== undefined) core.failure ??= toPortaError(err, core.remote.address, core.remote.port);
}
function onSocketClose(this: CoreSocket): void {
  this[CORE]?.socketClosed();
}

type Reader = Observer<Uint8Array>;
const NOTHING_TO_UNDO: Unsubscribable = { unsubscribe() {} };

/**
 * Everything a {@link TcpConnection} keeps about its socket, in one object: its lifetime (closed,
 * the failure that closed it, why a send is refused), its read flow (who reads the bytes, who holds
 * the socket paused, the `receive` queues' byte count), the readers of `bytes`, and the one way
 * bytes go out ({@link ConnectionCore.write}). Made with its connection; listens to the socket
 * through shared functions.
 */
export class ConnectionCore implements TurnSender {
  readonly socket: Socket;
  readonly remote: Endpoint;
  readonly local: Endpoint;
  /** The connection object, the key its owner-ended reason is recorded under (`closeReason.ts`). */
  readonly owner: object;
  readonly tap: TcpCaptureTap | undefined;
  /** Set right after construction when an idle timeout is configured. */
  idle: IdleGuard | undefined;
  /** The first failure: a socket error, or the one `fail()` closed it with. */
  failure: PortaError | undefined;
  /** True once the socket is fully closed (its 'close' event). */
  isClosed = false;
  /** A first chunk the screen refused: nobody may read it. */
  screenedOut = false;
  /** The socket's counters, kept at close (Node resets them with the handle). */
  bytesRead = 0;
  bytesWritten = 0;
  /** Bytes waiting in `receive` queues (including the chunk being handled). */
  queuedBytes = 0;
  /** The largest `queuedBytes` seen. */
  peakQueuedBytes = 0;
  /** How many times a `receive` queue paused the socket. */
  pauses = 0;
  /** {@link TurnSender}: the last `send`'s turn, the bytes corked this turn (-1: none), sends in flight. */
  sendTurn = -1;
  corkedBytes = -1;
  sendsInFlight = 0;
  // Created on the first hold: most connections are never paused.
  #holders: Set<symbol> | undefined;
  // The readers of `bytes` (and the actor's `listen`): almost always exactly one, so the first
  // needs no array.
  #reader: Reader | undefined;
  #moreReaders: Reader[] | undefined;
  #readerCount = 0;

  constructor(
    socket: Socket,
    local: Endpoint,
    remote: Endpoint,
    owner: object,
    tap: TcpCaptureTap | undefined,
  ) {
    this.socket = socket;
    this.local = local;
    this.remote = remote;
    this.owner = owner;
    this.tap = tap;
    (socket as CoreSocket)[CORE] = this;
    socket.on('error', onSocketError);
    // `on`, not `once`: 'close' fires once anyway, and `once` costs a bound wrapper per listener.
    socket.on('close', onSocketClose);
    this.update();
    // Added while paused, so it reads nothing until someone reads `bytes`.
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
  }

  // ---- lifetime ----

  /** Why a send cannot start now (closed, failed or half-closed), or `undefined` when it can. */
  sendRefusal(): PortaError | undefined {
    const socket = this.socket;
    if (this.failure && socket.destroyed) return this.failure;
    if (socket.destroyed || this.isClosed) {
      const why = closeReasonOf(this.owner);
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

  /** The error a write cut off by the socket's end reports: the failure that killed it, or SOCKET_CLOSED. */
  cutOffError(): PortaError {
    return (
      this.failure ??
      new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} closed before the bytes were handed to the OS`,
      )
    );
  }

  /** Runs `fn` once the socket has closed (after its 'error', so the failure is known). */
  whenClosed(fn: () => void): void {
    if (this.isClosed) fn();
    else this.socket.once('close', fn);
  }

  /** @internal The socket's 'close': counters kept, guards stopped, readers end. */
  socketClosed(): void {
    const socket = this.socket;
    this.isClosed = true;
    this.bytesRead = socket.bytesRead;
    this.bytesWritten = socket.bytesWritten;
    this.idle?.stop();
    if (portaChannels.tcpClose.hasSubscribers) this.#publishClose();
    const failure = this.failure;
    for (const reader of this.#takeReaders()) {
      if (failure) reader.error(failure);
      else reader.complete();
    }
  }

  #publishClose(): void {
    const { local, remote, failure } = this;
    const counts = { bytesRead: this.bytesRead, bytesWritten: this.bytesWritten };
    portaChannels.tcpClose.publish(
      failure === undefined ? { local, remote, ...counts } : { local, remote, ...counts, error: failure },
    );
  }

  // ---- readers of `bytes` ----

  /**
   * Adds one reader of the bytes (a subscriber of `bytes`, or the actor's receiver): it gets the
   * chunks that arrive until it unsubscribes, then `complete` at the peer's FIN or `error`/`complete`
   * at close, after which it is no reader any more.
   */
  read(reader: Reader): Unsubscribable {
    const socket = this.socket;
    if (this.isClosed || socket.destroyed) {
      if (this.failure) reader.error(this.failure);
      else reader.complete();
      return NOTHING_TO_UNDO;
    }
    if (socket.readableEnded) {
      reader.complete();
      return NOTHING_TO_UNDO;
    }
    if (this.#reader === undefined) this.#reader = reader;
    else (this.#moreReaders ??= []).push(reader);
    this.#readerCount++;
    this.update();
    return new ReaderTeardown(this, reader);
  }

  /** @internal A reader unsubscribed (nothing when it is no reader any more). */
  unread(reader: Reader): void {
    if (this.#reader === reader) this.#reader = this.#moreReaders?.shift();
    else {
      const more = this.#moreReaders;
      const at = more?.indexOf(reader) ?? -1;
      if (more === undefined || at < 0) return;
      more.splice(at, 1);
    }
    this.#readerCount--;
    this.update();
  }

  /** @internal A chunk from the socket. */
  data(chunk: Buffer): void {
    if (this.screenedOut) return;
    this.idle?.touch();
    this.tap?.inbound(chunk);
    const more = this.#moreReaders;
    if (more === undefined || more.length === 0) {
      this.#reader?.next(chunk);
      return;
    }
    // A snapshot, as EventEmitter takes: a reader added meanwhile waits for the next chunk, and
    // one that left meanwhile gets nothing more.
    for (const reader of [this.#reader as Reader, ...more]) {
      if (reader === this.#reader || this.#moreReaders?.includes(reader)) reader.next(chunk);
    }
  }

  /** @internal The peer's FIN. */
  ended(): void {
    for (const reader of this.#takeReaders()) reader.complete();
  }

  /** Every reader, now removed: each is told the end once. */
  #takeReaders(): Reader[] {
    const first = this.#reader;
    if (first === undefined) return [];
    const readers = [first, ...(this.#moreReaders ?? [])];
    this.#reader = undefined;
    this.#moreReaders = undefined;
    this.#readerCount = 0;
    this.update();
    return readers;
  }

  // ---- read flow ----

  /** True while anyone holds the socket paused. */
  get held(): boolean {
    return this.#holders !== undefined && this.#holders.size > 0;
  }

  isHeldBy(token: symbol): boolean {
    return this.#holders?.has(token) ?? false;
  }

  /** `token` pauses the socket until it lets go. */
  hold(token: symbol): void {
    (this.#holders ??= new Set()).add(token);
    this.update();
  }

  /** `token` lets go; returns whether it held the socket. */
  letGo(token: symbol): boolean {
    const had = this.#holders?.delete(token) ?? false;
    if (had) this.update();
    return had;
  }

  /** Bytes entered a `receive` queue. */
  queued(n: number): void {
    this.queuedBytes += n;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
  }

  /** Pauses or resumes the socket to match who reads and who holds it. */
  update(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    const flowing = this.#readerCount > 0 && !this.held;
    if (flowing && socket.isPaused()) socket.resume();
    else if (!flowing && !socket.isPaused()) socket.pause();
  }

  // ---- writes ----

  /** Writes one chunk; `done` runs once it is handed to the OS or failed. Returns write()'s verdict. */
  write(data: Uint8Array, done: (err?: PortaError) => void): boolean {
    this.idle?.touch();
    this.tap?.outbound(data);
    const socket = this.socket;
    const before = socket.writableLength;
    let handedOver = false;
    const ok = socket.write(data, (err) => {
      if (err) done(this.failure ?? toPortaError(err, this.remote.address, this.remote.port));
      // Node calls back *without* an error for a write the socket's destruction cancelled (bytes
      // still in libuv's queue are dropped), so success with a destroyed socket is only trusted
      // when the OS took the whole chunk inside write() itself.
      else if (socket.destroyed && !handedOver) this.whenClosed(() => done(this.cutOffError()));
      else done();
    });
    // write() flushed the chunk synchronously to the OS iff the socket's buffer did not grow.
    handedOver = socket.writableLength <= before;
    return ok;
  }
}

/** What unsubscribing a reader of `bytes` runs: one small object rather than a closure and its scope. */
class ReaderTeardown implements Unsubscribable {
  readonly #core: ConnectionCore;
  readonly #reader: Reader;
  constructor(core: ConnectionCore, reader: Reader) {
    this.#core = core;
    this.#reader = reader;
  }
  unsubscribe(): void {
    this.#core.unread(this.#reader);
  }
}
