import { Observable, type Observer, Subscription } from 'rxjs';
import type { DatagramSocket } from './datagramSocket.js';
import { type Datagram, type Endpoint, formatEndpoint } from './endpoint.js';
import { SocketClosedError } from './errors.js';
import { PeerTable, type PeerTableEntry } from './internal/peerTable.js';
import { Multicast } from './multicast.js';
import { checkOneOf, checkPositiveInteger } from './optionChecks.js';
import type { PeerLink, TransportEvent, TransportPlugin } from './plugin.js';

/**
 * Bounds of a {@link datagramTransport}'s peer table (and of `udpTransport`'s and `simTransport`'s,
 * which are datagram transports).
 *
 * @example
 * ```ts
 * datagramTransport('udp', bindUdp(), { maxPeers: 10_000, maxBacklogPerPeer: 16 });
 * ```
 */
export interface DatagramTransportOptions {
  /**
   * Most remote endpoints tracked at once (default 1024). What a datagram from a new remote does
   * when the table is full is `whenFull`'s choice. A peer's slot also frees when its link is closed
   * (e.g. the runtime retires the idle actor).
   */
  readonly maxPeers?: number;
  /**
   * A new remote finds the table full:
   * - `evict` (default): the least recently active peer (the one whose last datagram is oldest) is
   *   evicted — its link closes, its `inbound` errors with `SOCKET_CLOSED` so its actor ends — and
   *   counted in `stats.evicted`; the newcomer gets the slot. A flood from many source ports (cheap
   *   to spoof off loopback) then costs the flood's own oldest peers, not every new client.
   * - `reject`: the newcomer's datagram is not delivered (a `rejected` event, counted) until a slot
   *   frees — the table cannot be churned, but a flood locks new clients out.
   */
  readonly whenFull?: 'evict' | 'reject';
  /**
   * Datagrams kept for a new peer until its `inbound` is subscribed (default 64): the first datagram
   * arrives before the runtime can subscribe. More are rejected (counted and reported). After that,
   * the runtime's mailbox is the bound.
   */
  readonly maxBacklogPerPeer?: number;
}

/**
 * Counters of a {@link DatagramTransport}, summed over its `open()` subscriptions.
 *
 * @example
 * ```ts
 * const transport = datagramTransport('sim', new SimNetwork().bind({ port: 1060 }));
 * serve(transport, (peer) => peer.messages).subscribe();
 * const { peersOpened, rejected } = transport.stats;
 * ```
 */
export interface DatagramTransportStats {
  /** Peer links open now. */
  readonly peers: number;
  /** Peer links ever created. */
  readonly peersOpened: number;
  /** Datagrams received on the transport's socket(s). */
  readonly received: number;
  /** Datagrams not delivered to any peer, each also emitted as a `rejected` event. */
  readonly rejected: number;
  /** Peers evicted from a full table to make room for a new remote (`whenFull: 'evict'`). */
  readonly evicted: number;
}

/**
 * A {@link TransportPlugin} over datagram sockets, with its counters (a snapshot on every read).
 *
 * @example
 * ```ts
 * const transport: DatagramTransport<'udp'> = udpTransport({ port: 0 });
 * ```
 */
export interface DatagramTransport<N extends string = string> extends TransportPlugin {
  readonly name: N;
  readonly stats: DatagramTransportStats;
}

/**
 * Any datagram socket as a transport plugin for the actor runtime: each `open()` subscribes to
 * `bind` (SOCKET + BIND), emits `listening` with the socket's `local`, then demultiplexes datagrams
 * by remote endpoint. The first datagram from a new remote emits a `peer` event whose link (id
 * `<name>:<address>:<port>`, e.g. `udp:[::1]:40000`) carries that remote's payloads in `inbound` and
 * replies through the shared socket. `udpTransport` (`@porta/udp`) and `simTransport`
 * (`@porta/reliability`) are this function over their own sockets.
 *
 * A datagram peer cannot be refused or slowed, so its link has no `pause`/`resume` and `end` does
 * nothing. `link.close()` forgets the peer (its `inbound` completes, `send` fails with
 * `SOCKET_CLOSED`, and a later datagram from the same remote makes a new link). `inbound` is
 * multicast; the backlog goes to its first subscriber. Unsubscribing `open()` closes every link and
 * then the socket. `open()` errors when `bind` or the socket's `datagrams` do, and completes when
 * `datagrams` does.
 *
 * @throws {@link @porta/core!InvalidArgumentError} at call time for bounds that are not integers ≥ 1.
 *
 * @example
 * ```ts
 * serve(datagramTransport('sim', net.bind({ port: 1060 })), (peer) => peer.messages).subscribe();
 * ```
 */
export function datagramTransport<N extends string>(
  name: N,
  bind: Observable<DatagramSocket>,
  options: DatagramTransportOptions = {},
): DatagramTransport<N> {
  const maxPeers = checkPositiveInteger(options.maxPeers ?? 1024, 'maxPeers');
  const maxBacklog = checkPositiveInteger(options.maxBacklogPerPeer ?? 64, 'maxBacklogPerPeer');
  const whenFull = checkOneOf(options.whenFull ?? 'evict', 'whenFull', ['evict', 'reject']);
  const counts = { peers: 0, peersOpened: 0, received: 0, rejected: 0, evicted: 0 };

  const open = (): Observable<TransportEvent> =>
    new Observable<TransportEvent>((subscriber) => {
      // Found by address then port, in recency order (the oldest entry is what `evict` removes).
      const table = new PeerTable<DatagramPeerLink>();
      const forget = (link: DatagramPeerLink) => {
        if (table.remove(link)) counts.peers--;
      };
      const reject = ({ data, remote }: Datagram, reason: string) => {
        counts.rejected++;
        subscriber.next({ type: 'rejected', remote, reason, bytes: data.byteLength });
      };

      const route = (socket: DatagramSocket, datagram: Datagram) => {
        counts.received++;
        const remote = datagram.remote;
        const link = table.get(remote.address, remote.port);
        if (link === undefined) {
          // A new remote: the only place its id string is built.
          const id = `${name}:${formatEndpoint(remote)}`;
          if (table.size >= maxPeers) {
            if (whenFull === 'reject') return reject(datagram, `peer table full (maxPeers ${maxPeers})`);
            const oldest = table.oldest as DatagramPeerLink;
            counts.evicted++;
            oldest.evict(`${oldest.id} evicted from the full peer table (maxPeers ${maxPeers}) by ${id}`);
          }
          const created =
            socket.sendDirect === undefined
              ? new DatagramPeerLink(id, socket, remote, maxBacklog, forget)
              : new DirectDatagramPeerLink(id, socket, remote, maxBacklog, forget);
          table.add(created);
          counts.peers++;
          counts.peersOpened++;
          // The datagram goes into the backlog first, so a runtime that subscribes to `inbound`
          // while handling the `peer` event finds it there.
          created.deliver(datagram.data);
          subscriber.next({ type: 'peer', link: created });
          return;
        }
        if (whenFull === 'evict') table.touch(link);
        const undelivered = link.deliver(datagram.data);
        if (undelivered === 'backlog-full') {
          reject(datagram, `${link.id} backlog full (maxBacklogPerPeer ${maxBacklog})`);
        } else if (undelivered === 'not-reading') {
          reject(datagram, `${link.id} is not reading its inbound`);
        }
      };

      const subscription = new Subscription();
      subscription.add(
        bind.subscribe({
          next: (socket) => {
            subscriber.next({ type: 'listening', local: socket.local });
            subscription.add(
              socket.datagrams.subscribe({
                next: (datagram) => route(socket, datagram),
                error: (err: unknown) => subscriber.error(err),
                complete: () => subscriber.complete(),
              }),
            );
          },
          error: (err: unknown) => subscriber.error(err),
        }),
      );
      return () => {
        for (const link of table.entries()) link.close();
        subscription.unsubscribe();
      };
    });

  return {
    name,
    open,
    get stats(): DatagramTransportStats {
      return { ...counts };
    },
  };
}

/** Why a datagram for a known peer could not be delivered. */
type UndeliveredReason = 'backlog-full' | 'not-reading';

/**
 * One remote endpoint of a datagram transport: its payloads inbound, replies sent from the shared
 * socket. A datagram cannot be refused, so what arrives before `inbound` is subscribed waits in a
 * bounded backlog.
 */
class DatagramPeerLink implements PeerLink, PeerTableEntry<DatagramPeerLink> {
  readonly id: string;
  older: DatagramPeerLink | undefined;
  newer: DatagramPeerLink | undefined;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly inbound: Observable<Uint8Array>;
  protected readonly socket: DatagramSocket;
  readonly #maxBacklog: number;
  readonly #onClose: (link: DatagramPeerLink) => void;
  readonly #live = new Multicast<Uint8Array>();
  /** Payloads waiting for the first subscriber; `undefined` once it came (or the link closed). */
  #backlog: Uint8Array[] | undefined = [];
  #closed = false;

  constructor(
    id: string,
    socket: DatagramSocket,
    remote: Endpoint,
    maxBacklog: number,
    onClose: (link: DatagramPeerLink) => void,
  ) {
    this.id = id;
    this.local = socket.local;
    this.remote = remote;
    this.socket = socket;
    this.#maxBacklog = maxBacklog;
    this.#onClose = onClose;
    this.inbound = new Observable<Uint8Array>((subscriber) => {
      const backlog = this.#backlog;
      if (backlog !== undefined) {
        // Drained in place: a datagram delivered while the backlog is replayed (a socket may deliver
        // synchronously) queues behind it, within the same bound, instead of overtaking it.
        for (let data = backlog.shift(); data !== undefined; data = backlog.shift()) subscriber.next(data);
        this.#backlog = undefined;
      }
      return this.#live.observable.subscribe(subscriber);
    });
  }

  /** Hands one payload to the peer; says why when it cannot, so the transport can report it. */
  deliver(data: Uint8Array): UndeliveredReason | undefined {
    const backlog = this.#backlog;
    if (backlog !== undefined) {
      if (backlog.length >= this.#maxBacklog) return 'backlog-full';
      backlog.push(data);
      return undefined;
    }
    if (this.#closed || !this.#live.observed) return 'not-reading';
    this.#live.next(data);
    return undefined;
  }

  send(data: Uint8Array): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.closed) subscriber.error(this.closedError());
      else return this.socket.send(data, this.remote).subscribe(subscriber);
    });
  }

  /** The link was closed (or evicted): sends fail. */
  protected get closed(): boolean {
    return this.#closed;
  }

  protected closedError(): SocketClosedError {
    return new SocketClosedError(`cannot send: ${this.id} is closed`);
  }

  end(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#backlog = undefined;
    this.#live.complete();
  }

  /**
   * Forgets the peer to make room for another: like {@link DatagramPeerLink.close}, but `inbound`
   * errors, so the actor reading it ends (and its mailbox is counted) instead of lingering.
   */
  evict(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#backlog = undefined;
    this.#live.error(new SocketClosedError(reason));
  }
}

/**
 * A {@link DatagramPeerLink} over a socket with `sendDirect`: the runtime's replies go straight to
 * the socket, with no Observable or subscriber per datagram (`bench/udp-peers`).
 */
class DirectDatagramPeerLink extends DatagramPeerLink {
  sendDirect(data: Uint8Array, observer: Observer<void>): void {
    const socket = this.socket;
    if (this.closed) observer.error(this.closedError());
    else if (socket.sendDirect !== undefined) socket.sendDirect(data, this.remote, observer);
    else socket.send(data, this.remote).subscribe(observer);
  }
}
