import type { Datagram, DatagramSocket, Endpoint } from '@porta/core';
import { InvalidArgumentError } from '@porta/core';
import { Observable, Subject, type Subscription } from 'rxjs';

/**
 * The workers a {@link UdpDispatcher} hands datagrams to: core's `WorkerPool` fits.
 *
 * @example
 * ```ts
 * const workers: UdpWorkers = superviseWorkers({ workers: 4 });
 * ```
 */
export interface UdpWorkers {
  readonly size: number;
  /** Delivers a message to worker `index`; false when that worker is not running. */
  send(index: number, message: unknown): boolean;
}

/**
 * Counters of a {@link UdpDispatcher}.
 *
 * @example
 * ```ts
 * declare const dispatcher: UdpDispatcher;
 * const { perWorker, dropped } = dispatcher.stats; // [1012, 988], 0
 * ```
 */
export interface UdpDispatchStats {
  /** Datagrams received on the shared socket. */
  readonly received: number;
  /** Datagrams handed to each worker, by index. */
  readonly perWorker: readonly number[];
  /** Datagrams whose worker was not running (crashed, restarting): dropped and counted. */
  readonly dropped: number;
  /** Replies the workers asked the primary to send. */
  readonly sent: number;
  /** Replies the socket refused (counted, never silent). */
  readonly unsent: number;
  /** Workers reading their datagrams now, by index. */
  readonly ready: readonly boolean[];
}

/**
 * Options of {@link UdpDispatcher}.
 *
 * @example
 * ```ts
 * const pool = superviseWorkers({ workers: 2 });
 * new UdpDispatcher(socket, pool, { onReady: (i) => console.error(`worker ${i} ready`) });
 * ```
 */
export interface UdpDispatcherOptions {
  /** A worker has subscribed to its datagrams: from now on its remotes are delivered to it. */
  readonly onReady?: (index: number) => void;
}

/** A datagram on its way to a worker, or a reply on its way back (IPC messages). */
interface InboundMessage {
  readonly porta: 'udp';
  readonly data: Uint8Array;
  readonly remote: Endpoint;
}
interface OutboundMessage {
  readonly porta: 'udp-send';
  readonly id: number;
  readonly data: Uint8Array;
  readonly to: Endpoint;
}
interface ReadyMessage {
  readonly porta: 'udp-ready';
}
interface SentMessage {
  readonly porta: 'udp-sent';
  readonly id: number;
  readonly error?: string;
}

/**
 * The worker a remote belongs to: FNV-1a over its address and port, modulo the pool size. The
 * same remote always lands on the same worker, so its actor (and its replay window, its RTO
 * estimate, its session) is one.
 *
 * @example
 * ```ts
 * workerFor({ address: '127.0.0.1', port: 50000, family: 'IPv4' }, 4); // 0..3, always the same
 * ```
 */
export function workerFor(remote: Endpoint, size: number): number {
  let hash = 0x811c9dc5;
  const key = `${remote.address}|${remote.port}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % size;
}

/**
 * The primary's half of UDP on many cores, for runtimes without `SO_REUSEPORT` in `node:dgram`
 * (Node < 22.12): the primary owns the one bound socket and hands each datagram to the worker its
 * remote hashes to ({@link workerFor}); workers answer through {@link dispatchedUdpSocket}, and the
 * primary sends the replies from the shared socket, so clients see the server's address. With
 * cluster's own shared UDP handle the kernel wakes any worker instead, and one client's datagrams
 * spread over every worker, each building its own actor for it.
 *
 * Datagrams for a worker that is not running are dropped and counted (`stats.dropped`).
 *
 * @example
 * ```ts
 * const socket = await openUdpSocket({ port: 1060 });
 * // The pool's messages go to the dispatcher, made next (the callback runs later).
 * const pool = superviseWorkers({ workers: 2, onMessage: (i, m) => dispatcher.handle(i, m) });
 * const dispatcher = new UdpDispatcher(socket, pool);
 * dispatcher.start();
 * ```
 */
export class UdpDispatcher {
  readonly #socket: DatagramSocket;
  readonly #workers: UdpWorkers;
  readonly #perWorker: number[];
  readonly #ready: boolean[];
  readonly #onReady: (index: number) => void;
  #received = 0;
  #dropped = 0;
  #sent = 0;
  #unsent = 0;

  constructor(socket: DatagramSocket, workers: UdpWorkers, options: UdpDispatcherOptions = {}) {
    if (!Number.isInteger(workers.size) || workers.size < 1) {
      throw new InvalidArgumentError(`a UDP dispatcher needs at least one worker, got ${workers.size}`);
    }
    this.#socket = socket;
    this.#workers = workers;
    this.#perWorker = new Array<number>(workers.size).fill(0);
    this.#ready = new Array<boolean>(workers.size).fill(false);
    this.#onReady = options.onReady ?? (() => {});
  }

  /** Starts forwarding datagrams; unsubscribe to stop. */
  start(): Subscription {
    return this.#socket.datagrams.subscribe(({ data, remote }: Datagram) => {
      this.#received++;
      const index = workerFor(remote, this.#workers.size);
      const message: InboundMessage = { porta: 'udp', data, remote };
      // A worker still starting (or restarting) has no reader yet: an IPC message would vanish.
      if (this.#ready[index] && this.#workers.send(index, message)) this.#perWorker[index]!++;
      else this.#dropped++;
    });
  }

  /**
   * Handles a message from worker `index`: a reply to send from the shared socket. Returns false
   * for messages that are not the dispatcher's (the caller handles those).
   */
  handle(index: number, message: unknown): boolean {
    if (isReady(message)) {
      this.#ready[index] = true;
      this.#onReady(index);
      return true;
    }
    if (!isOutbound(message)) return false;
    this.#socket.send(message.data, message.to).subscribe({
      complete: () => {
        this.#sent++;
        this.#workers.send(index, { porta: 'udp-sent', id: message.id } satisfies SentMessage);
      },
      error: (err: Error) => {
        this.#unsent++;
        this.#workers.send(index, {
          porta: 'udp-sent',
          id: message.id,
          error: err.message,
        } satisfies SentMessage);
      },
    });
    return true;
  }

  /** Worker `index` has exited: its remotes are dropped (and counted) until its successor is ready. */
  workerGone(index: number): void {
    this.#ready[index] = false;
  }

  /** A snapshot of the counters. */
  get stats(): UdpDispatchStats {
    return {
      received: this.#received,
      perWorker: [...this.#perWorker],
      dropped: this.#dropped,
      sent: this.#sent,
      unsent: this.#unsent,
      ready: [...this.#ready],
    };
  }
}

function isOutbound(message: unknown): message is OutboundMessage {
  return (
    typeof message === 'object' && message !== null && (message as { porta?: unknown }).porta === 'udp-send'
  );
}

function isReady(message: unknown): message is ReadyMessage {
  return (
    typeof message === 'object' && message !== null && (message as { porta?: unknown }).porta === 'udp-ready'
  );
}

function isInbound(message: unknown): message is InboundMessage {
  return typeof message === 'object' && message !== null && (message as { porta?: unknown }).porta === 'udp';
}

function isSent(message: unknown): message is SentMessage {
  return (
    typeof message === 'object' && message !== null && (message as { porta?: unknown }).porta === 'udp-sent'
  );
}

/**
 * The worker's half of {@link UdpDispatcher}: a `DatagramSocket` whose datagrams come from the
 * primary over IPC and whose sends go back to it, to leave from the shared socket. Any code written
 * against `DatagramSocket` (the course's servers, `datagramTransport`, `serve`) runs unchanged on it.
 * `local` is the shared socket's address, as the primary gives it (`PORTA_UDP_LOCAL`).
 *
 * @example
 * ```ts
 * // In a worker: answer every datagram with its length, as the course's udp_local server does.
 * const socket = dispatchedUdpSocket();
 * socket.datagrams
 *   .pipe(mergeMap((d) => socket.send(encodeString(`${d.data.length}`, 'ascii'), d.remote)))
 *   .subscribe();
 * ```
 */
export function dispatchedUdpSocket(local: Endpoint = localFromEnv()): DatagramSocket {
  if (process.send === undefined) {
    throw new InvalidArgumentError(
      'dispatchedUdpSocket runs in a worker started by the primary (no IPC channel)',
    );
  }
  const inbound = new Subject<Datagram>();
  const pending = new Map<number, (error?: string) => void>();
  let nextId = 0;
  let listening = 0;
  const onMessage = (message: unknown) => {
    if (isInbound(message)) inbound.next({ data: message.data, remote: message.remote });
    else if (isSent(message)) {
      const done = pending.get(message.id);
      pending.delete(message.id);
      done?.(message.error);
    }
  };
  const datagrams = new Observable<Datagram>((subscriber) => {
    if (listening++ === 0) process.on('message', onMessage);
    const subscription = inbound.subscribe(subscriber);
    // Tell the primary this worker reads now, so no datagram is sent to a worker not yet listening.
    process.send?.({ porta: 'udp-ready' } satisfies ReadyMessage);
    return () => {
      subscription.unsubscribe();
      if (--listening === 0) process.off('message', onMessage);
    };
  });
  return {
    local,
    datagrams,
    send: (data, to) =>
      new Observable<void>((subscriber) => {
        const id = nextId++;
        pending.set(id, (error) => {
          if (error === undefined) {
            subscriber.next();
            subscriber.complete();
          } else subscriber.error(new InvalidArgumentError(`the primary could not send the reply: ${error}`));
        });
        if (listening++ === 0) process.on('message', onMessage);
        const message: OutboundMessage = { porta: 'udp-send', id, data, to };
        process.send?.(message);
        return () => {
          pending.delete(id);
          if (--listening === 0) process.off('message', onMessage);
        };
      }),
  };
}

function localFromEnv(): Endpoint {
  const text = process.env.PORTA_UDP_LOCAL;
  if (text === undefined) {
    throw new InvalidArgumentError(
      'PORTA_UDP_LOCAL is not set: start the worker from a UdpDispatcher primary',
    );
  }
  return JSON.parse(text) as Endpoint;
}
