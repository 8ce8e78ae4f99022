import type { Datagram, DatagramSocket, Endpoint } from '@porta/core';
import {
  DatagramTooLargeError,
  InvalidArgumentError,
  MAX_DATAGRAM_IPV4,
  MAX_DATAGRAM_IPV6,
} from '@porta/core';
import { refuseOption } from '@porta/core/transport';
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
  /** Datagrams whose worker was not running (crashed, restarting, not yet ready): dropped and counted. */
  readonly dropped: number;
  /** Replies the workers asked the primary to send. */
  readonly sent: number;
  /**
   * Replies the socket refused (counted, never silent): the worker's send completed when the reply
   * left for the primary, as a UDP send completes when the datagram leaves the socket.
   */
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

/**
 * The IPC messages. One message carries every datagram (or reply) of one event-loop turn for one
 * worker: Node's IPC costs a serialisation and a write per message, so per-datagram messages made
 * the channel, not the socket, the bottleneck. Replies carry no acknowledgement back: like a UDP
 * send, a reply is done once it is on its way, and the primary counts any the socket refuses.
 */
interface InboundMessage {
  readonly porta: 'udp';
  readonly data: readonly Uint8Array[];
  readonly remotes: readonly Endpoint[];
}
interface OutboundMessage {
  readonly porta: 'udp-send';
  readonly data: readonly Uint8Array[];
  readonly to: readonly Endpoint[];
}
interface ReadyMessage {
  readonly porta: 'udp-ready';
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
 * spread over every worker, each building its own actor for it. Where the runtime has `reusePort`
 * (core's `reusePortSupported()`), bind a socket in each worker with `bindUdp({ reusePort: true })`
 * instead: the kernel keeps the affinity and the primary stays out of the data path.
 *
 * The datagrams of one event-loop turn travel to each worker in one IPC message, and its replies
 * come back batched the same way, with no acknowledgement per reply. Datagrams for a worker that
 * is not running are dropped and counted (`stats.dropped`).
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
  readonly #batches: { readonly data: Uint8Array[]; readonly remotes: Endpoint[] }[];
  #flush: NodeJS.Immediate | undefined;
  #received = 0;
  #dropped = 0;
  #sent = 0;
  #unsent = 0;

  constructor(socket: DatagramSocket, workers: UdpWorkers, options: UdpDispatcherOptions = {}) {
    if (!Number.isInteger(workers.size) || workers.size < 1) {
      refuseOption('workers.size', 'at least 1 (a UDP dispatcher needs a worker)', workers.size);
    }
    this.#socket = socket;
    this.#workers = workers;
    this.#perWorker = new Array<number>(workers.size).fill(0);
    this.#ready = new Array<boolean>(workers.size).fill(false);
    this.#batches = Array.from({ length: workers.size }, () => ({ data: [], remotes: [] }));
    this.#onReady = options.onReady ?? (() => {});
  }

  /** Starts forwarding datagrams; unsubscribe to stop. */
  start(): Subscription {
    const subscription = this.#socket.datagrams.subscribe(({ data, remote }: Datagram) => {
      this.#received++;
      const batch = this.#batches[workerFor(remote, this.#workers.size)]!;
      batch.data.push(data);
      batch.remotes.push(remote);
      // Everything that arrives in this turn of the event loop goes in one message per worker.
      this.#flush ??= setImmediate(() => this.#sendBatches());
    });
    subscription.add(() => {
      if (this.#flush !== undefined) clearImmediate(this.#flush);
      this.#flush = undefined;
      for (const batch of this.#batches) this.#dropped += batch.data.splice(0).length;
      for (const batch of this.#batches) batch.remotes.length = 0;
    });
    return subscription;
  }

  #sendBatches(): void {
    this.#flush = undefined;
    for (const [index, batch] of this.#batches.entries()) {
      const count = batch.data.length;
      if (count === 0) continue;
      const message: InboundMessage = {
        porta: 'udp',
        data: batch.data.splice(0),
        remotes: batch.remotes.splice(0),
      };
      // A worker still starting (or restarting) has no reader yet: an IPC message would vanish.
      if (this.#ready[index] && this.#workers.send(index, message)) this.#perWorker[index]! += count;
      else this.#dropped += count;
    }
  }

  /**
   * Handles a message from worker `index`: replies to send from the shared socket. Returns false
   * for messages that are not the dispatcher's (the caller handles those).
   */
  handle(index: number, message: unknown): boolean {
    if (isReady(message)) {
      this.#ready[index] = true;
      this.#onReady(index);
      return true;
    }
    if (!isOutbound(message)) return false;
    const count = Math.min(message.data.length, message.to.length);
    for (let i = 0; i < count; i++) {
      this.#socket.send(message.data[i]!, message.to[i]!).subscribe({
        complete: () => this.#sent++,
        error: () => this.#unsent++,
      });
    }
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
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new InvalidArgumentError(
      'dispatchedUdpSocket runs in a worker started by the primary (no IPC channel)',
    );
  }
  const inbound = new Subject<Datagram>();
  let listening = 0;
  const onMessage = (message: unknown) => {
    if (!isInbound(message)) return;
    const count = Math.min(message.data.length, message.remotes.length);
    for (let i = 0; i < count; i++) inbound.next({ data: message.data[i]!, remote: message.remotes[i]! });
  };
  const datagrams = new Observable<Datagram>((subscriber) => {
    if (listening++ === 0) process.on('message', onMessage);
    const subscription = inbound.subscribe(subscriber);
    // Tell the primary this worker reads now, so no datagram is sent to a worker not yet listening.
    send({ porta: 'udp-ready' } satisfies ReadyMessage);
    return () => {
      subscription.unsubscribe();
      if (--listening === 0) process.off('message', onMessage);
    };
  });

  // Replies of one turn leave in one message; each send completes once its batch is written.
  let batch: { data: Uint8Array[]; to: Endpoint[]; done: (() => void)[] } | undefined;
  const flush = () => {
    const { data, to, done } = batch!;
    batch = undefined;
    send({ porta: 'udp-send', data, to } satisfies OutboundMessage, undefined, {}, () => {
      for (const d of done) d();
    });
  };
  const limit = local.family === 'IPv6' ? MAX_DATAGRAM_IPV6 : MAX_DATAGRAM_IPV4;
  return {
    local,
    datagrams,
    send: (data, to) =>
      new Observable<void>((subscriber) => {
        // Checked here, as the socket would: the primary's verdict comes back to no one.
        if (data.length > limit) {
          subscriber.error(new DatagramTooLargeError(data.length, limit));
          return;
        }
        if (batch === undefined) {
          batch = { data: [], to: [], done: [] };
          setImmediate(flush);
        }
        batch.data.push(data);
        batch.to.push({ address: to.address, port: to.port, family: to.family });
        batch.done.push(() => {
          subscriber.next();
          subscriber.complete();
        });
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
