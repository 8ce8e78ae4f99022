import { type PortaError, SocketClosedError } from '@porta/core';
import { Observable, Subject, type Subscriber } from 'rxjs';

/**
 * What a stream needs from its session.
 * @internal
 */
export interface SmuxStreamHost {
  readonly version: number;
  readonly maxFrameSize: number;
  readonly maxStreamBuffer: number;
  /** Sends a PSH; `done` runs once the link took it. */
  push(sid: number, data: Uint8Array, done: (error?: PortaError) => void): void;
  /** Sends a FIN and forgets the stream. */
  fin(stream: SmuxStream): void;
  /** Sends a version-2 window update. */
  windowUpdate(sid: number, consumed: number, window: number): void;
  /** `n` buffered bytes were consumed: the session's receive budget gets them back. */
  returnTokens(n: number): void;
}

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  inFlight: number;
  readonly subscriber: Subscriber<void>;
}

/** smux version 2's initial window of a peer that has sent no update yet (`initialPeerWindow`). */
const INITIAL_PEER_WINDOW = 262_144;

/**
 * One smux stream: a byte stream inside an smux session, shaped like a `TcpConnection` (`bytes`,
 * `send` with sendall semantics, `close`), so every codec works on it. Made by
 * {@link SmuxSession.open} and {@link SmuxSession.streams}.
 *
 * smux's FIN closes the sending side and, in every smux peer, the stream itself: {@link SmuxStream.end}
 * and {@link SmuxStream.close} both send it. A FIN from the peer completes `bytes` once the bytes
 * before it are read.
 *
 * @example
 * ```ts
 * declare const session: SmuxSession;
 * const stream = session.open();
 * stream.send(request).pipe(switchMap(() => stream.bytes.pipe(recvall(16)))).subscribe(console.log);
 * ```
 */
export class SmuxStream {
  readonly id: number;
  /** Inbound bytes; completes after the peer's FIN, errors if the session fails. */
  readonly bytes: Observable<Uint8Array>;
  /** Emits once and completes when the stream is closed (by either end, or with its session). */
  readonly closed: Observable<void>;

  readonly #host: SmuxStreamHost;
  readonly #buffer: Uint8Array[] = [];
  readonly #readers = new Set<Subscriber<Uint8Array>>();
  readonly #writes: PendingWrite[] = [];
  readonly #closedSubject = new Subject<void>();
  #buffered = 0;
  #paused = false;
  #finReceived = false;
  #localClosed = false;
  #finSent = false;
  #isClosed = false;
  #failure: PortaError | undefined;
  // Version 2 flow control (wrapping uint32 counters, as smux keeps them).
  #numRead = 0;
  #incr = 0;
  #numWritten = 0;
  #peerConsumed = 0;
  #peerWindow = INITIAL_PEER_WINDOW;

  /** @internal Streams are made by their session. */
  constructor(id: number, host: SmuxStreamHost) {
    this.id = id;
    this.#host = host;
    this.bytes = new Observable<Uint8Array>((subscriber) => {
      if (this.#failure) {
        subscriber.error(this.#failure);
        return;
      }
      this.#readers.add(subscriber);
      this.#deliver();
      return () => {
        this.#readers.delete(subscriber);
      };
    });
    this.closed = new Observable<void>((subscriber) => {
      if (this.#isClosed) {
        subscriber.next();
        subscriber.complete();
        return;
      }
      return this.#closedSubject.subscribe(subscriber);
    });
  }

  /** Bytes received and not yet read. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** True once closed (locally, or by the session). */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Sends `data` in frames of at most `maxFrameSize`; completes once the session's link took the
   * last one (and, in version 2, once the peer's window let it go), errors with `SOCKET_CLOSED`
   * when the stream or session closes first.
   *
   * @example
   * ```ts
   * declare const stream: SmuxStream; // from SmuxSession.open
   * await lastValueFrom(stream.send(bytes));
   * ```
   */
  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.#localClosed || this.#isClosed) {
        subscriber.error(this.#failure ?? new SocketClosedError(`smux stream ${this.id} is closed`));
        return;
      }
      const write: PendingWrite = { data, offset: 0, inFlight: 0, subscriber };
      this.#writes.push(write);
      this.#pump();
      return () => {
        const at = this.#writes.indexOf(write);
        if (at >= 0 && write.offset === 0) this.#writes.splice(at, 1);
      };
    });
  }

  /** Stops delivering bytes: they wait (counted against the session's receive buffer). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#deliver();
  }

  /** Sends FIN after the bytes already queued; same as {@link SmuxStream.close} in smux. */
  end(): void {
    this.close();
  }

  /** Sends FIN and closes the stream (bytes still queued for sending are sent first). Idempotent. */
  close(): void {
    if (this.#localClosed || this.#isClosed) return;
    this.#localClosed = true;
    if (this.#writes.length === 0) this.#sendFin();
  }

  #sendFin(): void {
    if (this.#finSent) return;
    this.#finSent = true;
    this.#host.fin(this);
  }

  /** @internal A PSH's payload. */
  pushed(data: Uint8Array): void {
    if (this.#isClosed) {
      this.#host.returnTokens(data.length);
      return;
    }
    this.#buffer.push(data);
    this.#buffered += data.length;
    this.#deliver();
  }

  /** @internal The peer's FIN. */
  finished(): void {
    this.#finReceived = true;
    this.#deliver();
  }

  /** @internal A version-2 window update. */
  updated(consumed: number, window: number): void {
    this.#peerConsumed = consumed >>> 0;
    this.#peerWindow = window >>> 0;
    this.#pump();
  }

  /** @internal The session ends the stream (after FIN both ways, or with the session). */
  terminate(error?: PortaError): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#failure = error;
    this.#host.returnTokens(this.#buffered);
    this.#buffered = 0;
    this.#buffer.length = 0;
    for (const w of this.#writes.splice(0)) {
      w.subscriber.error(
        error ?? new SocketClosedError(`smux stream ${this.id} closed before its bytes were sent`),
      );
    }
    const readers = [...this.#readers];
    this.#readers.clear();
    for (const r of readers) {
      if (error) r.error(error);
      else r.complete();
    }
    this.#closedSubject.next();
    this.#closedSubject.complete();
  }

  #deliver(): void {
    while (this.#readers.size > 0 && !this.#paused && !this.#isClosed) {
      const chunk = this.#buffer.shift();
      if (!chunk) break;
      this.#buffered -= chunk.length;
      this.#host.returnTokens(chunk.length);
      this.#consumed(chunk.length);
      for (const r of [...this.#readers]) r.next(chunk);
    }
    if (this.#finReceived && this.#buffer.length === 0 && this.#readers.size > 0) {
      for (const r of [...this.#readers]) r.complete();
      this.#readers.clear();
    }
  }

  /** smux v2 `tryReadv2`: an update after the first read, then after every half buffer read. */
  #consumed(n: number): void {
    if (this.#host.version < 2) return;
    this.#numRead = (this.#numRead + n) >>> 0;
    this.#incr += n;
    if (this.#incr >= this.#host.maxStreamBuffer / 2 || this.#numRead === n) {
      this.#incr = 0;
      this.#host.windowUpdate(this.id, this.#numRead, this.#host.maxStreamBuffer);
    }
  }

  #pump(): void {
    const host = this.#host;
    while (!this.#isClosed) {
      const write = this.#writes.find((w) => w.offset < w.data.length);
      if (!write) break;
      let size = Math.min(host.maxFrameSize, write.data.length - write.offset);
      if (host.version >= 2) {
        const inflight = (this.#numWritten - this.#peerConsumed) | 0;
        const room = this.#peerWindow - inflight;
        if (room <= 0) break;
        size = Math.min(size, room);
      }
      const piece = write.data.subarray(write.offset, write.offset + size);
      write.offset += size;
      write.inFlight++;
      this.#numWritten = (this.#numWritten + size) >>> 0;
      host.push(this.id, piece, (error) => {
        write.inFlight--;
        if (error) {
          this.terminate(error);
          return;
        }
        if (write.offset === write.data.length && write.inFlight === 0) {
          const at = this.#writes.indexOf(write);
          if (at >= 0) this.#writes.splice(at, 1);
          write.subscriber.next();
          write.subscriber.complete();
          if (this.#localClosed && this.#writes.length === 0) this.#sendFin();
        }
      });
    }
  }
}
