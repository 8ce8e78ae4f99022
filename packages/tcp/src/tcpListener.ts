import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { ConnectionLimitError, type Endpoint, type PortaError, portaChannels } from '@porta/core';
import { handlesReleased } from '@porta/core/transport';
import { Observable, type Subscriber } from 'rxjs';
import { connectionIterator } from './internal/connectionIterator.js';
import { HandshakeDeadlines } from './internal/handshakeDeadlines.js';
import type { TcpListenerSetup } from './internal/listenerSetup.js';
import { proxyBeforeTls } from './internal/proxyBeforeTls.js';
import { readProxyHeader, spoofedHeaderScreen } from './internal/readProxyHeader.js';
import { isWildcard, listeningOn, remoteOf } from './internal/socketEndpoints.js';
import { onTlsAccept } from './internal/tlsAcceptEvents.js';
import type { ProxiedConnection } from './proxyProtocolOptions.js';
import { TcpConnection, type TcpConnectionOptions } from './tcpConnection.js';
import type { RejectedConnection, TcpListenerStats } from './tcpListenerStats.js';

export type { RejectedConnection, TcpListenerStats } from './tcpListenerStats.js';

// A refused or half-made socket can still see a reset; without a listener that would throw.
function ignoreError(): void {}

/**
 * A listening TCP (or TLS) socket, emitted by `listenTcp` once it listens: the course's
 * `sock.listen()`, with ACCEPT as the stream {@link TcpListener.connections}.
 *
 * Connections belong to the listener's subscription: unsubscribing from `listenTcp` closes the
 * listening socket and every connection it accepted. {@link TcpListener.shutdown} is the graceful
 * way out.
 *
 * @example
 * ```ts
 * listenTcp({ port: 0 }).pipe(
 *   switchMap((listener) => listener.connections),
 *   mergeMap((conn) => conn.bytes.pipe(recvall(16), concatMap((question) => conn.send(question.reverse())))),
 * );
 * ```
 */
export class TcpListener {
  /** The address it listens on (getsockname), with the real port when asked for port 0. */
  readonly local: Endpoint;
  /**
   * Accepted connections (ACCEPT as a stream). Connections accepted while nobody subscribes wait
   * for the next subscriber; completes once the listener stops accepting.
   */
  readonly connections: Observable<TcpConnection>;
  /** Connections closed at once: over `maxConnections`, or a failed TLS handshake. Never silent. */
  readonly rejected: Observable<RejectedConnection>;

  readonly #setup: TcpListenerSetup;
  readonly #sockets = new Set<Socket>();
  readonly #refused = new WeakSet<Socket>();
  /** TLS only: the deadline of each handshake in progress. */
  readonly #handshakes: HandshakeDeadlines | undefined;
  readonly #waiting: TcpConnection[] = [];
  readonly #subscribers = new Set<Subscriber<TcpConnection>>();
  readonly #rejectSubscribers = new Set<Subscriber<RejectedConnection>>();
  readonly #drainWaiters = new Set<() => void>();
  #accepting = true;
  #finished = false;
  #serverClosed = false;
  #open = 0;
  #accepted = 0;
  #rejected = 0;
  #proxyErrors = 0;
  readonly #headerReads = new Set<() => void>();
  /** PROXY with TLS: what each raw socket's header said, for the TLS socket built on it. */
  readonly #proxiedBeforeTls = new WeakMap<Socket, { readonly proxied: ProxiedConnection }>();
  // 'close' listeners shared by every accepted socket (`this` is the socket): no closure per socket.
  /** What every accepted connection is built with (one object, not a spread per connection). */
  readonly #connectionOptions: TcpConnectionOptions;
  readonly #onRawClose: (this: Socket) => void;
  readonly #onSocketClose: (this: Socket) => void;

  /** @internal Built by `listenTcp` once the server listens. */
  constructor(setup: TcpListenerSetup) {
    this.#setup = setup;
    const { server } = setup;
    this.local = listeningOn(server);
    // Bound to one address, every accepted socket has this local end: no getsockname per socket.
    this.#connectionOptions = {
      scheduler: setup.scheduler,
      ...setup.connection,
      ...(isWildcard(this.local.address) ? {} : { local: this.local }),
    };
    const listener = this;
    this.#onRawClose = function (this: Socket) {
      listener.#rawClosed(this);
    };
    this.#onSocketClose = function (this: Socket) {
      listener.#sockets.delete(this);
    };
    server.once('close', () => (this.#serverClosed = true));
    server.on('connection', (raw: Socket) => this.#onRawConnection(raw));
    if (setup.tls) {
      const handshakes = new HandshakeDeadlines(
        setup.scheduler,
        setup.handshakeTimeoutMs,
        this.#refused,
        (remote, error) => this.#reject(remote, error),
      );
      this.#handshakes = handshakes;
      // PROXY before TLS: the raw sockets reach a separate TLS server once their header is read.
      onTlsAccept(setup.tlsServer ?? server, {
        handshakes,
        refused: this.#refused,
        secure: (socket, raw) => {
          if (setup.tlsServer === undefined) this.#deliver(socket);
          else this.#handOver(socket, raw && this.#proxiedBeforeTls.get(raw));
        },
        reject: (remote, error) => this.#reject(remote, error),
      });
    }

    this.connections = new Observable<TcpConnection>((subscriber) => {
      while (this.#waiting.length > 0 && !subscriber.closed) {
        const conn = this.#waiting.shift()!;
        subscriber.next(conn);
      }
      if (!this.#accepting) {
        subscriber.complete();
        return;
      }
      this.#subscribers.add(subscriber);
      return () => this.#subscribers.delete(subscriber);
    });

    this.rejected = new Observable<RejectedConnection>((subscriber) => {
      if (this.#finished) {
        subscriber.complete();
        return;
      }
      this.#rejectSubscribers.add(subscriber);
      return () => this.#rejectSubscribers.delete(subscriber);
    });
  }

  /** A snapshot of this listener's counters. */
  get stats(): TcpListenerStats {
    return {
      accepted: this.#accepted,
      rejected: this.#rejected,
      open: this.#open,
      proxyErrors: this.#proxyErrors,
    };
  }

  /**
   * Graceful shutdown: stops accepting at once (the listening socket closes, `connections`
   * completes), lets open connections finish, and destroys those still open after `graceMs`
   * (default 10 s, on the listener's scheduler). Emits once and completes when every connection is
   * closed; the `listenTcp` Observable then completes.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => listener.shutdown(5_000).subscribe());
   * ```
   */
  shutdown(graceMs = 10_000): Observable<void> {
    return new Observable<void>((subscriber) => {
      this.#stopAccepting();
      const done = () => {
        subscriber.next();
        subscriber.complete();
      };
      if (this.#open === 0) {
        this.#finish();
        done();
        return;
      }
      this.#drainWaiters.add(done);
      const timer = this.#setup.scheduler.schedule(() => this.#destroySockets(), graceMs);
      return () => {
        timer.unsubscribe();
        this.#drainWaiters.delete(done);
      };
    });
  }

  /**
   * Closes the listening socket and every connection it accepted, now (the hard close that
   * unsubscribing from `listenTcp` does; {@link TcpListener.shutdown} is the graceful one), and
   * resolves once the server and all its sockets are closed. `connections` completes and the
   * `listenTcp` Observable completes. Idempotent.
   *
   * @example
   * ```ts
   * const listener = await openTcpListener({ port: 0 });
   * await listener.close();
   * ```
   */
  close(): Promise<void> {
    const server = this.#setup.server;
    return new Promise<void>((resolve) => {
      // net.Server says 'close' on the next tick, before libuv has released the handle.
      const released = () => void handlesReleased().then(resolve);
      if (this.#serverClosed) released();
      else server.once('close', released);
      this.destroy();
    });
  }

  /**
   * `await using` support: {@link TcpListener.close}.
   *
   * @example
   * ```ts
   * await using listener = await openTcpListener({ port: 0 });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * `for await (const conn of listener)`: the accepted connections, one per turn of the loop.
   * Connections accepted while the loop body runs wait in the listener's queue (at most
   * `maxConnections`, beyond which they are rejected as always) and come out in order. The loop
   * ends when the listener stops accepting (`shutdown`, `close`). Each connection is yours to close:
   * `await using conn = …` inside the loop, or hand it to a task.
   *
   * @example
   * ```ts
   * for await (const conn of listener) {
   *   void (async () => {
   *     await using c = conn;
   *     for await (const chunk of c) await lastValueFrom(c.send(chunk));
   *   })();
   * }
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<TcpConnection> {
    return connectionIterator(this.connections);
  }

  /** @internal Hard close: the listening socket and every connection, now. */
  destroy(): void {
    this.#stopAccepting();
    this.#destroySockets();
    this.#finish();
  }

  #onRawConnection(raw: Socket): void {
    if (!this.#accepting) {
      this.#refuse(raw);
      return;
    }
    if (this.#open >= this.#setup.maxConnections) {
      const remote = remoteOf(raw); // before destroy(): Node forgets the peer's address after it
      this.#refuse(raw);
      this.#reject(remote, new ConnectionLimitError(this.#setup.maxConnections));
      return;
    }
    this.#open++;
    this.#sockets.add(raw);
    if (this.#handshakes !== undefined) this.#handshakes.start(raw);
    raw.on('close', this.#onRawClose);
    const { tls, proxy, tlsServer } = this.#setup;
    // Plain TCP without PROXY becomes a connection (which reports the socket's errors) in this same
    // call; a header read or a TLS handshake comes first otherwise, and its errors are ignored until
    // then (#handOver takes the listener off).
    if (tls || proxy !== undefined) raw.on('error', ignoreError);
    if (!tls) this.#deliver(raw);
    else if (tlsServer !== undefined) this.#proxyBeforeTls(raw, tlsServer);
  }

  /** A socket turned away before it became anything: closed at once, its errors ignored. */
  #refuse(raw: Socket): void {
    raw.on('error', ignoreError);
    this.#refused.add(raw);
    raw.destroy();
  }

  #rawClosed(raw: Socket): void {
    this.#handshakes?.end(raw);
    this.#open--;
    this.#sockets.delete(raw);
    if (!this.#accepting && this.#open === 0) {
      for (const waiter of [...this.#drainWaiters]) waiter();
      this.#finish();
    }
  }

  /** PROXY with TLS: the header comes in clear before the handshake (see `proxyBeforeTls`). */
  #proxyBeforeTls(raw: Socket, tlsServer: TlsServer): void {
    const via = this.#handshakes?.remoteOf(raw) ?? remoteOf(raw);
    const cancel = proxyBeforeTls(
      raw,
      via,
      { proxy: this.#setup.proxy!, scheduler: this.#setup.scheduler, tlsServer },
      (result) => {
        this.#headerReads.delete(cancel);
        // Already cut off by the handshake deadline (and reported there).
        if (this.#refused.has(raw)) return;
        if (result.error !== undefined) {
          this.#refused.add(raw);
          raw.destroy();
          this.#proxyErrors++;
          this.#reject(via, result.error);
          return;
        }
        if (result.proxied === undefined) return;
        this.#proxiedBeforeTls.set(raw, { proxied: result.proxied });
        // A failed handshake from here on is reported with the client's address, as everything else.
        const client = result.proxied.header.source;
        if (client !== undefined) this.#handshakes?.knownAs(raw, client);
      },
    );
    this.#headerReads.add(cancel);
  }

  #deliver(socket: Socket): void {
    const proxy = this.#setup.proxy;
    if (proxy === undefined) {
      this.#handOver(socket);
      return;
    }
    const via = remoteOf(socket);
    if (via.address === '') {
      // Reset before we could ask who it was (a balancer's health check often is): nobody to trust,
      // nothing to deliver.
      socket.destroy();
      return;
    }
    if (!proxy.isTrusted(via.address)) {
      // Never believed; refused when it opens with a signature, so a spoofing attempt is seen.
      const screenFirstChunk = spoofedHeaderScreen(via, (error) => {
        this.#proxyErrors++;
        this.#reject(via, error);
      });
      this.#handOver(socket, { screenFirstChunk });
      return;
    }
    const cancel = readProxyHeader(
      socket,
      {
        timeoutMs: proxy.timeoutMs,
        scheduler: this.#setup.scheduler,
        ...(proxy.maxHeaderLength === undefined ? {} : { maxHeaderLength: proxy.maxHeaderLength }),
      },
      (result) => {
        this.#headerReads.delete(cancel);
        if (result.error !== undefined) {
          socket.destroy();
          this.#proxyErrors++;
          this.#reject(via, result.error);
          return;
        }
        const proxied: ProxiedConnection = { via, header: result.header };
        this.#handOver(socket, { proxied });
      },
    );
    this.#headerReads.add(cancel);
  }

  #handOver(socket: Socket, extra?: Pick<TcpConnectionOptions, 'proxied' | 'screenFirstChunk'>): void {
    if (!this.#accepting || socket.destroyed) {
      socket.destroy();
      return;
    }
    // Plain TCP: the raw socket, already tracked. TLS: the socket over it, tracked from here.
    if (!this.#sockets.has(socket)) {
      this.#sockets.add(socket);
      socket.on('close', this.#onSocketClose);
    }
    const base = this.#connectionOptions;
    const conn = new TcpConnection(socket, extra === undefined ? base : { ...base, ...extra });
    // The connection reports the socket's errors now.
    socket.off('error', ignoreError);
    this.#accepted++;
    const accepted = portaChannels.tcpAccept;
    if (accepted.hasSubscribers)
      accepted.publish({ local: conn.local, remote: conn.remote, tls: this.#setup.tls });
    if (this.#subscribers.size === 0) {
      this.#waiting.push(conn);
      return;
    }
    for (const subscriber of [...this.#subscribers]) subscriber.next(conn);
  }

  #reject(remote: Endpoint, error: PortaError): void {
    this.#rejected++;
    const event: RejectedConnection = { remote, reason: error.message, error };
    for (const subscriber of [...this.#rejectSubscribers]) subscriber.next(event);
  }

  #stopAccepting(): void {
    if (!this.#accepting) return;
    this.#accepting = false;
    this.#setup.server.close();
    for (const subscriber of [...this.#subscribers]) subscriber.complete();
    this.#subscribers.clear();
  }

  #destroySockets(): void {
    for (const cancel of [...this.#headerReads]) cancel();
    this.#headerReads.clear();
    this.#handshakes?.cancelAll();
    for (const conn of this.#waiting.splice(0)) conn.close();
    for (const socket of [...this.#sockets]) socket.destroy();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const subscriber of [...this.#rejectSubscribers]) subscriber.complete();
    this.#rejectSubscribers.clear();
    this.#setup.onFinished();
  }
}
