import { AddressInUseError, type Endpoint, endpoint, formatEndpoint, SocketClosedError } from '@porta/core';
import type { PeerLink, TransportEvent, TransportPlugin } from '@porta/core/transport';
import { Observable, Subject, type Subscriber } from 'rxjs';

/**
 * Options of {@link memoryTransport}.
 *
 * @example
 * ```ts
 * const t = memoryTransport({ name: 'memory', local: endpoint('127.0.0.1', 7) });
 * ```
 */
export interface MemoryTransportOptions {
  /** The transport's name in events. Default `memory`. */
  readonly name?: string;
  /** The endpoint reported as listening. Default `127.0.0.1:49152`. */
  readonly local?: Endpoint;
}

/**
 * Options of one hand-made peer ({@link MemoryTransport.connect}).
 *
 * @example
 * ```ts
 * const t = memoryTransport();
 * const udpLike = t.connect({ canPause: false });
 * const slowSocket = t.connect({ sends: 'manual' });
 * ```
 */
export interface MemoryPeerOptions {
  /** Default `127.0.0.1:<50000 + n>`. */
  readonly remote?: Endpoint;
  /** Default `memory:<remote>`. */
  readonly id?: string;
  /** Whether `pause()` holds inbound messages back, like TCP (true, the default) or not, like UDP. */
  readonly canPause?: boolean;
  /**
   * `sync` (default): the server's sends complete at once. `manual`: they stay pending until
   * {@link MemoryPeer.completeSends} — a socket whose buffer is full, waiting for `drain`.
   */
  readonly sends?: 'sync' | 'manual';
}

/**
 * An in-memory {@link TransportPlugin}: peers are made by hand, everything the server sends is
 * recorded, and flow control is visible. For tests, examples and trying a behaviour without sockets.
 *
 * @example
 * ```ts
 * const t = memoryTransport();
 * const sub = serve(t, (peer) => peer.messages).subscribe();
 * const client = t.connect();
 * client.send(new TextEncoder().encode('hi'));
 * client.received; // [Uint8Array 'hi']
 * sub.unsubscribe();
 * ```
 */
export interface MemoryTransport extends TransportPlugin {
  /** The endpoint it listens on. */
  readonly local: Endpoint;
  /** True while subscribed to {@link TransportPlugin.open}. */
  readonly isOpen: boolean;
  /** Every peer made since the transport was created, in order. */
  readonly peers: readonly MemoryPeer[];
  /**
   * A new peer arrives (a TCP connection accepted; a UDP endpoint's first datagram).
   * @throws {@link @porta/core!SocketClosedError} when the transport is not open.
   */
  connect(options?: MemoryPeerOptions): MemoryPeer;
  /** Reports something the transport refused (forwarded by `serve` as a `rejected` event). */
  reject(reason: string, remote?: Endpoint, bytes?: number): void;
}

// Local ports cycle through the ephemeral range: a long test run or a benchmark may make more
// transports than the range holds, and endpoint() would refuse a port past 65535.
let transportsMade = 0;
const nextLocalPort = (): number => 49152 + (transportsMade++ % 16384);

/**
 * The remote endpoint of a transport's `n`th peer (from 0): 127.0.0.1:50000 upwards, then on through
 * the next loopback addresses (127.0.0.2:1024, …), so ids stay distinct however many peers connect.
 */
function remoteOf(n: number): Endpoint {
  const slot = 50000 - 1024 + n;
  const host = 1 + Math.floor(slot / 64512);
  return endpoint(`127.${(host >> 16) & 255}.${(host >> 8) & 255}.${host & 255}`, 1024 + (slot % 64512));
}

/**
 * Makes an in-memory transport. See {@link MemoryTransport}.
 *
 * @example
 * ```ts
 * const t = memoryTransport({ name: 'mem' });
 * ```
 */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const name = options.name ?? 'memory';
  const local = options.local ?? endpoint('127.0.0.1', nextLocalPort());
  const peers: MemoryPeer[] = [];
  let listener: Subscriber<TransportEvent> | undefined;
  let connects = 0;

  return {
    name,
    local,
    get isOpen() {
      return listener !== undefined;
    },
    peers,
    open: () =>
      new Observable<TransportEvent>((subscriber) => {
        if (listener !== undefined) {
          subscriber.error(new AddressInUseError(local.address, local.port));
          return;
        }
        listener = subscriber;
        subscriber.next({ type: 'listening', local });
        return () => {
          listener = undefined;
          for (const peer of peers) peer.link.close();
        };
      }),
    connect: (peerOptions = {}) => {
      const current = listener;
      if (current === undefined) {
        throw new SocketClosedError(`memory transport ${formatEndpoint(local)} is not open`);
      }
      const remote = peerOptions.remote ?? remoteOf(connects++);
      const peer = new MemoryPeer(local, remote, peerOptions);
      peers.push(peer);
      current.next({ type: 'peer', link: peer.link });
      return peer;
    },
    reject: (reason, remote, bytes) => {
      listener?.next({
        type: 'rejected',
        reason,
        ...(remote === undefined ? {} : { remote }),
        ...(bytes === undefined ? {} : { bytes }),
      });
    },
  };
}

/**
 * The far side of one in-memory link: the test plays the remote peer through it, and reads what the
 * server did to the link (sends, pauses, half-close, close).
 *
 * @example
 * ```ts
 * const transport = memoryTransport();
 * serve(transport, (peer) => peer.messages).subscribe();
 * const client = transport.connect({ sends: 'manual' });
 * client.send(Uint8Array.of(1)); // the peer sends to the server
 * client.completeSends();        // let the server's pending sends finish
 * console.log(client.received);  // [Uint8Array [1]]
 * ```
 */
export class MemoryPeer {
  /** The server side of the link, as handed to the runtime. */
  readonly link: PeerLink;
  readonly remote: Endpoint;
  readonly canPause: boolean;
  /** What the server sent, in order, once each send completed. */
  readonly received: Uint8Array[] = [];
  /** `pause` / `resume` calls the server made, in order. */
  readonly flow: ('pause' | 'resume')[] = [];
  readonly #replies = new Subject<Uint8Array>();
  readonly #manual: boolean;
  #inbound: Subscriber<Uint8Array> | undefined;
  #subscribed = false;
  // Messages the server has not read yet: sent before it subscribed, or while it is paused.
  #held: Uint8Array[] = [];
  #inboundEnd: { error: unknown } | 'complete' | undefined;
  #paused = false;
  #pending: { data: Uint8Array; subscriber: Subscriber<void> }[] = [];
  #ended = false;
  #closed = false;
  #flushing = false;

  constructor(local: Endpoint, remote: Endpoint, options: MemoryPeerOptions = {}) {
    this.remote = remote;
    this.canPause = options.canPause ?? true;
    this.#manual = (options.sends ?? 'sync') === 'manual';
    const id = options.id ?? `memory:${formatEndpoint(remote)}`;
    this.link = {
      id,
      local,
      remote,
      inbound: new Observable<Uint8Array>((subscriber) => {
        if (this.#subscribed) {
          subscriber.error(new SocketClosedError(`inbound of ${id} was already subscribed`));
          return;
        }
        this.#subscribed = true;
        this.#inbound = subscriber;
        this.#flush();
        return () => {
          if (this.#inbound === subscriber) this.#inbound = undefined;
        };
      }),
      send: (data) =>
        new Observable<void>((subscriber) => {
          if (this.#closed || this.#ended) {
            subscriber.error(
              new SocketClosedError(`cannot send on ${id}: it is ${this.#closed ? 'closed' : 'ended'}`),
            );
            return;
          }
          if (!this.#manual) {
            this.#deliver(data);
            subscriber.complete();
            return;
          }
          const entry = { data, subscriber };
          this.#pending.push(entry);
          return () => {
            this.#pending = this.#pending.filter((e) => e !== entry);
          };
        }),
      // Pausing is a capability: a UDP-like link has no pause/resume at all.
      ...(this.canPause
        ? {
            pause: () => {
              this.flow.push('pause');
              this.#paused = true;
            },
            resume: () => {
              this.flow.push('resume');
              this.#paused = false;
              this.#flush();
            },
          }
        : {}),
      end: () => {
        this.#ended = true;
      },
      close: () => {
        if (this.#closed) return;
        this.#closed = true;
        this.#held = [];
        for (const { subscriber } of this.#pending)
          subscriber.error(new SocketClosedError(`${id} was closed`));
        this.#pending = [];
        this.#replies.complete();
        const inbound = this.#inbound;
        this.#inbound = undefined;
        inbound?.complete();
      },
    };
  }

  /** True while the server has paused reading (only ever true when `canPause`: the link then has `pause`). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Messages sent by the peer that the server has not read yet (held while paused). */
  get held(): number {
    return this.#held.length;
  }

  /** The server's sends still waiting for {@link MemoryPeer.completeSends} (`sends: 'manual'`). */
  get pendingSends(): number {
    return this.#pending.length;
  }

  /** True once the server closed the link. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once the server half-closed the link (`end()`). */
  get ended(): boolean {
    return this.#ended;
  }

  /** What the server sends, as it completes each send (completes when the link closes). */
  get replies(): Observable<Uint8Array> {
    return this.#replies.asObservable();
  }

  /**
   * The peer sends one message to the server (held while the server has the link paused).
   * @throws {@link @porta/core!SocketClosedError} after the link was closed or the peer ended its side.
   */
  send(data: Uint8Array | string): void {
    if (this.#closed || this.#inboundEnd !== undefined) {
      throw new SocketClosedError(`${this.link.id} can no longer send: the link is closed or ended`);
    }
    this.#held.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    this.#flush();
  }

  /** The peer ends its side (TCP FIN): the server's inbound completes after the held messages. */
  end(): void {
    if (this.#closed || this.#inboundEnd !== undefined) return;
    this.#inboundEnd = 'complete';
    this.#flush();
  }

  /** The link fails (e.g. a reset): the server's inbound errors with `error`. */
  fail(error: unknown): void {
    if (this.#closed || this.#inboundEnd !== undefined) return;
    this.#inboundEnd = { error };
    this.#held = [];
    this.#flush();
  }

  /** Completes up to `count` pending sends, oldest first; returns how many completed. */
  completeSends(count = Number.POSITIVE_INFINITY): number {
    let done = 0;
    while (done < count) {
      const entry = this.#pending.shift();
      if (entry === undefined) break;
      done++;
      this.#deliver(entry.data);
      entry.subscriber.complete();
    }
    return done;
  }

  /** Everything received so far, decoded as UTF-8 (a test convenience). */
  receivedText(): string[] {
    return this.received.map((b) => new TextDecoder().decode(b));
  }

  #deliver(data: Uint8Array): void {
    this.received.push(data);
    this.#replies.next(data);
  }

  #flush(): void {
    // The server may pause, resume, close or unsubscribe from inside next(): one loop at a time,
    // re-reading the state at every step.
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      this.#flushLoop();
    } finally {
      this.#flushing = false;
    }
  }

  #flushLoop(): void {
    for (;;) {
      const inbound = this.#inbound;
      if (inbound === undefined || this.#closed) return;
      if (this.#held.length > 0) {
        if (this.#paused) return;
        inbound.next(this.#held.shift() as Uint8Array);
        continue;
      }
      const end = this.#inboundEnd;
      if (end === undefined) return;
      this.#inbound = undefined;
      if (end === 'complete') inbound.complete();
      else inbound.error(end.error);
      return;
    }
  }
}
