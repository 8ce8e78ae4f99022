import {
  InvalidArgumentError,
  isPortaError,
  type PortaError,
  SmuxProtocolError,
  SmuxTimeoutError,
  SocketClosedError,
} from '@porta/core';
import { checkInteger } from '@porta/core/transport';
import { asyncScheduler, Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { encodeSmuxFrame, parseSmuxFrame, SmuxCommand, smuxFrames } from './smuxFrame.js';
import { SmuxStream, type SmuxStreamHost } from './smuxStream.js';

/**
 * The byte stream an smux session runs over: a `TcpConnection`, a `KcpSession`, anything with
 * inbound bytes and a `sendall`.
 *
 * @example
 * ```ts
 * declare const kcpSession: KcpSession;
 * const link: SmuxLink = kcpSession; // or a TcpConnection
 * ```
 */
export interface SmuxLink {
  readonly inbound: Observable<Uint8Array>;
  send(data: Uint8Array): Observable<void>;
  close(): void;
  /** Stops reading (smux's receive budget is spent); optional. */
  pause?(): void;
  resume?(): void;
}

/**
 * Options of an {@link SmuxSession}; defaults are smux's `DefaultConfig` (kcptun overrides the
 * buffers: `--smuxbuf` 4 MiB, `--streambuf` 2 MiB).
 *
 * @example
 * ```ts
 * declare const session: KcpSession; // from kcpConnect
 * new SmuxSession(session, { client: true, version: 2, maxStreamBuffer: 2 * 1024 * 1024 });
 * ```
 */
export interface SmuxSessionOptions {
  /** Which end: the client opens odd stream ids, the server even ones. */
  readonly client: boolean;
  /** smux protocol version, 1 or 2 (kcptun's `--smuxver`). Default 1. */
  readonly version?: 1 | 2;
  /** Largest PSH payload sent. Default 32768. */
  readonly maxFrameSize?: number;
  /** Bytes received and unread, over all streams, before the session stops reading. Default 4 MiB. */
  readonly maxReceiveBuffer?: number;
  /** Version 2: the window each stream advertises. Default 65536. */
  readonly maxStreamBuffer?: number;
  /** A NOP goes out this often. Default 10 s. */
  readonly keepAliveIntervalMs?: number;
  /** The session fails with `SMUX_TIMEOUT` after this long without a frame. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
  /** Default false. */
  readonly keepAliveDisabled?: boolean;
  /** Streams open at once; a SYN beyond is answered with FIN. Default 1024. */
  readonly maxStreams?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Counters of an {@link SmuxSession}.
 *
 * @example
 * ```ts
 * declare const session: SmuxSession;
 * console.log(session.stats.streams, session.stats.orphanFrames);
 * ```
 */
export interface SmuxSessionStats {
  readonly streams: number;
  readonly framesReceived: number;
  readonly framesSent: number;
  /** PSH/FIN/UPD frames for a stream this session does not have (dropped, as smux drops them). */
  readonly orphanFrames: number;
  /** SYNs refused because `maxStreams` were open. */
  readonly refusedStreams: number;
  /** Bytes received and not yet read, over all streams. */
  readonly bufferedBytes: number;
}

/**
 * An smux session (xtaci/smux, versions 1 and 2, as kcptun speaks them): many ordered byte streams
 * over one byte stream. SYN opens a stream, PSH carries its bytes, FIN closes it, NOP keeps the
 * session alive; version 2 adds UPD, per-stream window updates. Runs over any {@link SmuxLink}.
 *
 * Flow control as smux does it: every unread byte counts against `maxReceiveBuffer`, and once it is
 * spent the session stops reading its link (which, over KCP, closes the KCP window); version 2 also
 * limits each stream's writes to the window the peer advertised.
 *
 * A protocol error (wrong version, unknown command) or keepalive timeout fails the session and
 * every stream with a typed error (`SMUX_PROTOCOL`, `SMUX_TIMEOUT`) and closes the link.
 *
 * @example
 * ```ts
 * declare const kcpSession: KcpSession; // from kcpConnect
 * const mux = new SmuxSession(kcpSession, { client: true });
 * const stream = mux.open();
 * stream.send(hello).subscribe();
 * ```
 */
export class SmuxSession {
  readonly version: 1 | 2;
  /** Streams the peer opened (SYN), in order. Hot, with a backlog: SYNs before a subscriber wait. */
  readonly streams: Observable<SmuxStream>;
  /** Emits once and completes when the session ends. */
  readonly closed: Observable<void>;

  readonly #link: SmuxLink;
  readonly #host: SmuxStreamHost;
  readonly #streams = new Map<number, SmuxStream>();
  readonly #backlog: SmuxStream[] = [];
  readonly #accepted = new Subject<SmuxStream>();
  readonly #closedSubject = new Subject<void>();
  readonly #scheduler: SchedulerLike;
  readonly #maxReceiveBuffer: number;
  readonly #maxStreams: number;
  readonly #input: Subscription;
  readonly #timers: Subscription[] = [];
  #acceptors = 0;
  #nextId: number;
  #bucket: number;
  #linkPaused = false;
  #heard = false;
  #isClosed = false;
  #failure: PortaError | undefined;
  #counters = { framesReceived: 0, framesSent: 0, orphanFrames: 0, refusedStreams: 0 };

  constructor(link: SmuxLink, options: SmuxSessionOptions) {
    this.version = options.version ?? 1;
    if (this.version !== 1 && this.version !== 2) {
      throw new InvalidArgumentError(`smux version must be 1 or 2, got ${String(this.version)}`);
    }
    const maxFrameSize = checkInteger(options.maxFrameSize ?? 32768, 'maxFrameSize', 1, 65535);
    this.#maxReceiveBuffer = checkInteger(
      options.maxReceiveBuffer ?? 4 * 1024 * 1024,
      'maxReceiveBuffer',
      1,
      2 ** 31 - 1,
    );
    const maxStreamBuffer = checkInteger(options.maxStreamBuffer ?? 65536, 'maxStreamBuffer', 1, 2 ** 31 - 1);
    this.#maxStreams = checkInteger(options.maxStreams ?? 1024, 'maxStreams', 1, 2 ** 31 - 1);
    const interval = options.keepAliveIntervalMs ?? 10_000;
    const timeout = options.keepAliveTimeoutMs ?? 30_000;
    if (!options.keepAliveDisabled && !(interval > 0 && timeout >= interval)) {
      throw new InvalidArgumentError(
        `keepAliveIntervalMs must be > 0 and keepAliveTimeoutMs ≥ it, got ${interval} and ${timeout}`,
      );
    }
    this.#link = link;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#bucket = this.#maxReceiveBuffer;
    // smux: the client's first stream is 3 (it starts at 1 and adds 2 before use), the server's 2.
    this.#nextId = options.client ? 1 : 0;
    const version = this.version;
    this.#host = {
      version,
      maxFrameSize,
      maxStreamBuffer,
      push: (sid, data, done) => this.#write(SmuxCommand.PSH, sid, data, done),
      fin: (stream) => {
        this.#write(SmuxCommand.FIN, stream.id, EMPTY);
        this.#streams.delete(stream.id);
        stream.terminate();
      },
      windowUpdate: (sid, consumed, window) => {
        const body = new Uint8Array(8);
        const view = new DataView(body.buffer);
        view.setUint32(0, consumed >>> 0, true);
        view.setUint32(4, window >>> 0, true);
        this.#write(SmuxCommand.UPD, sid, body);
      },
      returnTokens: (n) => {
        this.#bucket += n;
        if (this.#bucket > 0 && this.#linkPaused) {
          this.#linkPaused = false;
          this.#link.resume?.();
        }
      },
    };

    this.streams = new Observable<SmuxStream>((subscriber) => {
      this.#acceptors++;
      const sub = this.#accepted.subscribe(subscriber);
      for (const s of this.#backlog.splice(0)) subscriber.next(s);
      return () => {
        this.#acceptors--;
        sub.unsubscribe();
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

    this.#input = link.inbound.pipe(smuxFrames()).subscribe({
      next: (raw) => this.#onFrame(raw),
      error: (err: unknown) =>
        this.#fail(isPortaError(err) ? err : new SmuxProtocolError(`smux link failed: ${String(err)}`)),
      // The link ended cleanly (KCP closed, TCP FIN): the session ends; readers complete.
      complete: () => this.#end(undefined),
    });
    if (!options.keepAliveDisabled && !this.#isClosed) {
      this.#every(interval, () => this.#write(SmuxCommand.NOP, 0, EMPTY));
      this.#every(timeout, () => {
        // smux closes only when it heard nothing and was not itself refusing to read.
        if (!this.#heard && this.#bucket > 0) this.#fail(new SmuxTimeoutError(timeout));
        this.#heard = false;
      });
    }
  }

  /** A snapshot of the counters. */
  get stats(): SmuxSessionStats {
    return {
      ...this.#counters,
      streams: this.#streams.size,
      bufferedBytes: this.#maxReceiveBuffer - this.#bucket,
    };
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Opens a stream (sends SYN); bytes may be sent on it at once.
   *
   * @throws {@link @porta/core!SocketClosedError} when the session is closed.
   * @example
   * ```ts
   * declare const mux: SmuxSession;
   * const stream = mux.open();
   * ```
   */
  open(): SmuxStream {
    if (this.#isClosed) throw this.#failure ?? new SocketClosedError('the smux session is closed');
    this.#nextId = (this.#nextId + 2) >>> 0;
    const stream = new SmuxStream(this.#nextId, this.#host);
    this.#streams.set(stream.id, stream);
    this.#write(SmuxCommand.SYN, stream.id, EMPTY);
    return stream;
  }

  /** Closes the session, every stream and the link. Idempotent. */
  close(): void {
    this.#end(undefined);
  }

  #every(ms: number, fn: () => void): void {
    const timer = this.#scheduler.schedule(function (this: { schedule(s: undefined, d: number): void }) {
      fn();
      this.schedule(undefined, ms);
    }, ms);
    this.#timers.push(timer);
  }

  #onFrame(raw: Uint8Array): void {
    if (this.#isClosed) return;
    let frame: ReturnType<typeof parseSmuxFrame>;
    try {
      frame = parseSmuxFrame(raw, this.version);
    } catch (err) {
      this.#fail(err as PortaError);
      return;
    }
    this.#heard = true;
    this.#counters.framesReceived++;
    const stream = this.#streams.get(frame.sid);
    switch (frame.cmd) {
      case SmuxCommand.NOP:
        return;
      case SmuxCommand.SYN: {
        if (stream) return;
        if (this.#streams.size >= this.#maxStreams) {
          this.#counters.refusedStreams++;
          this.#write(SmuxCommand.FIN, frame.sid, EMPTY);
          return;
        }
        const accepted = new SmuxStream(frame.sid, this.#host);
        this.#streams.set(frame.sid, accepted);
        if (this.#acceptors > 0) this.#accepted.next(accepted);
        else this.#backlog.push(accepted);
        return;
      }
      case SmuxCommand.FIN:
        if (!stream) {
          this.#counters.orphanFrames++;
          return;
        }
        stream.finished();
        return;
      case SmuxCommand.PSH:
        if (!stream) {
          this.#counters.orphanFrames++;
          return;
        }
        if (frame.data.length === 0) return;
        // The frame may be a view into a larger chunk of the link's: keep only its own bytes then
        // (a small frame must not pin a 64 KiB chunk). A frame the decoder assembled from several
        // chunks already owns its buffer, and a 32 KiB copy of it would be pure cost.
        this.#bucket -= frame.data.length;
        stream.pushed(ownsBuffer(frame.data) ? frame.data : frame.data.slice());
        if (this.#bucket <= 0 && !this.#linkPaused && this.#link.pause) {
          this.#linkPaused = true;
          this.#link.pause();
        }
        return;
      case SmuxCommand.UPD: {
        if (!stream) {
          this.#counters.orphanFrames++;
          return;
        }
        const view = new DataView(frame.data.buffer, frame.data.byteOffset, 8);
        stream.updated(view.getUint32(0, true), view.getUint32(4, true));
        return;
      }
    }
  }

  #write(cmd: SmuxCommand, sid: number, data: Uint8Array, done?: (error?: PortaError) => void): void {
    if (this.#isClosed) {
      done?.(this.#failure ?? new SocketClosedError('the smux session is closed'));
      return;
    }
    this.#counters.framesSent++;
    // Header and payload in one write, as smux's writeFrame does: the 32 KiB copy costs less than a
    // second send, which over KCP may leave as a datagram of its own with the 8-byte header in it.
    const frame = encodeSmuxFrame({ version: this.version, cmd, sid, data });
    this.#link.send(frame).subscribe({
      complete: () => done?.(),
      error: (err: unknown) => {
        const error = isPortaError(err) ? err : new SocketClosedError(String(err));
        done?.(error);
        this.#fail(error);
      },
    });
  }

  #fail(error: PortaError): void {
    this.#end(error);
  }

  #end(error: PortaError | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#failure = error;
    this.#input.unsubscribe();
    for (const t of this.#timers.splice(0)) t.unsubscribe();
    for (const s of [...this.#streams.values()]) s.terminate(error);
    for (const s of this.#backlog.splice(0)) s.terminate(error);
    this.#streams.clear();
    this.#accepted.complete();
    this.#link.close();
    this.#closedSubject.next();
    this.#closedSubject.complete();
  }
}

const EMPTY = new Uint8Array(0);

/** True when `view` covers at least half of its buffer: keeping it retains at most twice its bytes. */
function ownsBuffer(view: Uint8Array): boolean {
  return view.byteLength * 2 >= view.buffer.byteLength;
}
