import {
  AddressInUseError,
  type Datagram,
  type DatagramSocket,
  DatagramTooLargeError,
  type Endpoint,
  endpoint,
  type Family,
  formatEndpoint,
  InvalidArgumentError,
  type PacketCapture,
  SocketClosedError,
} from '@porta/core';
import { Observable, type SchedulerLike, Subject, type Subscription, VirtualTimeScheduler } from 'rxjs';
import {
  flipBit as flip,
  type ImpairmentOptions,
  type ImpairmentRandom,
  impairmentRandom,
  planImpairment,
  type ResolvedImpairment,
  resolveImpairment,
} from '../impairment/impairment.js';
import { SimScheduler } from './simNetworkScheduler.js';

/**
 * Settings of one direction of a link: the same knobs as {@link impair}.
 *
 * @example
 * ```ts
 * net.setLink({ address: '10.0.0.1' }, {}, { lossRate: 0.2, delayMs: 40 } satisfies SimLinkOptions);
 * ```
 */
export type SimLinkOptions = ImpairmentOptions;

/**
 * Options of a {@link SimNetwork}.
 *
 * @example
 * ```ts
 * new SimNetwork({ seed: 7, defaultLink: { lossRate: 0.1, delayMs: 50 } });
 * ```
 */
export interface SimNetworkOptions {
  /** Seed of every random decision the network takes (loss, delay, duplication, …). Default 1. */
  readonly seed?: number;
  /**
   * Clock and timer of the network. Default: a fresh {@link SimScheduler} (a `VirtualTimeScheduler`), driven by
   * {@link SimNetwork.advanceBy}, {@link SimNetwork.flush} and {@link SimNetwork.run}. Pass an
   * rxjs `TestScheduler` to share its virtual time, or `asyncScheduler` for real time.
   */
  readonly scheduler?: SchedulerLike;
  /** Settings of every link without a more specific {@link SimNetwork.setLink} rule. Default: perfect. */
  readonly defaultLink?: SimLinkOptions;
  /** First port handed out to sockets bound to port 0 (then upwards, wrapping). Default 49152. */
  readonly firstEphemeralPort?: number;
  /**
   * Record every datagram sent on the network in a pcapng capture (core's `PacketCapture`), at its
   * virtual send time, with what the network did to it as a comment (lost, duplicated). Default none.
   */
  readonly capture?: PacketCapture;
}

/**
 * Where to bind a simulated socket.
 *
 * @example
 * ```ts
 * net.bind({ address: '10.0.0.1', port: 1060 });
 * ```
 */
export interface SimBindOptions {
  /** IP literal; `0.0.0.0` / `::` receive for every address of their family. Default `127.0.0.1`. */
  readonly address?: string;
  /** Port; 0 (default) picks the next free ephemeral port. */
  readonly port?: number;
}

/**
 * Matches endpoints in {@link SimNetwork.setLink}: an omitted field matches anything.
 *
 * @example
 * ```ts
 * net.setLink({ address: '10.0.0.2' }, { port: 1060 }, { lossRate: 1 }); // 10.0.0.2 cannot reach :1060
 * ```
 */
export interface SimEndpointPattern {
  readonly address?: string;
  readonly port?: number;
}

/**
 * Counters of everything the network did, since it was created.
 *
 * @example
 * ```ts
 * const { sent, lost, delivered } = net.stats;
 * ```
 */
export interface SimNetworkStats {
  /** Datagrams handed to the network by sockets. */
  readonly sent: number;
  /** Copies handed to a bound socket (duplicates included). */
  readonly delivered: number;
  /** Datagrams dropped by `lossRate`. */
  readonly lost: number;
  /** Extra copies made by `duplicateRate`. */
  readonly duplicated: number;
  /** Copies delivered after a datagram sent later on the same directed pair. */
  readonly reordered: number;
  /** Copies with one bit flipped by `corruptRate`. */
  readonly corrupted: number;
  /** Copies that arrived at an address and port where no socket was bound (lost, as UDP does). */
  readonly unreachable: number;
  /** Copies that reached a bound socket with no subscriber to its `datagrams` (dropped). */
  readonly unread: number;
  /** Copies scheduled for delivery that have not arrived yet. */
  readonly inFlight: number;
}

/**
 * One thing that happened on the wire: the network's trace.
 *
 * @example
 * ```ts
 * net.events.subscribe((e) => console.log(e.time, e.type, e.from.port, '→', e.to.port));
 * ```
 */
export interface SimEvent {
  readonly type: 'sent' | 'lost' | 'duplicated' | 'delivered' | 'unreachable' | 'unread';
  /** Virtual (scheduler) time in ms. */
  readonly time: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** Per directed pair, the number of the datagram (copies share it). */
  readonly seq: number;
  readonly bytes: number;
  /** For `delivered`: true when the copy was corrupted on the way. */
  readonly corrupted?: boolean;
}

/**
 * The result of {@link SimNetwork.run}.
 *
 * @example
 * ```ts
 * const { values, completed, elapsedMs } = net.run(request$);
 * ```
 */
export interface SimRunResult<T> {
  readonly values: T[];
  readonly completed: boolean;
  /** The error the source ended with, if it did. */
  readonly error?: unknown;
  /** Virtual milliseconds from the start of the run to its end. */
  readonly elapsedMs: number;
}

/**
 * A socket on a {@link SimNetwork}: a {@link DatagramSocket} like a UDP one.
 *
 * @example
 * ```ts
 * net.bind().subscribe((socket) => socket.send(data, server).subscribe());
 * ```
 */
export interface SimSocket extends DatagramSocket {
  readonly network: SimNetwork;
}

const MAX_PAYLOAD: Record<Family, number> = { IPv4: 65_507, IPv6: 65_527 };
const WILDCARD: Record<Family, string> = { IPv4: '0.0.0.0', IPv6: '::' };
const LOOPBACK: Record<Family, string> = { IPv4: '127.0.0.1', IPv6: '::1' };

interface LinkRule {
  readonly from: SimEndpointPattern;
  readonly to: SimEndpointPattern;
  readonly settings: ResolvedImpairment;
}

interface PairState {
  nextSeq: number;
  highestDelivered: number;
}

function matches(pattern: SimEndpointPattern, e: Endpoint): boolean {
  return (
    (pattern.address === undefined || pattern.address === e.address) &&
    (pattern.port === undefined || pattern.port === e.port)
  );
}

/**
 * A simulated IP network in virtual time: sockets bound on it exchange datagrams through links that
 * lose, delay, duplicate, reorder and corrupt them from a seeded random source. Code written against
 * {@link DatagramSocket} (or a `TransportPlugin`, see {@link simTransport}) runs on it unchanged, a
 * long lossy run finishes in milliseconds, and the same seed replays exactly the same trace.
 *
 * Decisions (UDP semantics, simplified):
 * - Delivery is never synchronous: even with no delay a datagram arrives in a later scheduler action.
 * - A datagram to an address/port with no bound socket is lost and counted as `unreachable`, as for
 *   an unconnected UDP socket (Linux ignores ICMP errors there). No error reaches the sender.
 * - The destination is looked up when the datagram arrives, not when it is sent.
 * - A socket bound to the wildcard (`0.0.0.0`, `::`) receives for every address of its family and
 *   sends from the family's loopback address.
 * - Payloads over 65,507 bytes (IPv4) / 65,527 (IPv6) are refused with `DATAGRAM_TOO_LARGE`, and
 *   sent bytes are copied, so the sender may reuse its buffer.
 *
 * @example
 * ```ts
 * const net = new SimNetwork({ seed: 7, defaultLink: { lossRate: 0.3, delayMs: 100, jitterMs: 20 } });
 * const server = net.bind({ port: 1060 }).pipe(
 *   switchMap((s) => s.datagrams.pipe(mergeMap((d) => s.send(d.data, d.remote)))),
 * );
 * const client = net.bind().pipe(
 *   switchMap((s) => s.send(Uint8Array.of(1), { address: '127.0.0.1', port: 1060, family: 'IPv4' })),
 * );
 * const result = net.run(merge(server, client)); // any DatagramSocket code bound on `net` runs here
 * ```
 */
export class SimNetwork {
  /** The scheduler every delivery goes through; share it with timers that must run in the same time. */
  readonly scheduler: SchedulerLike;
  readonly #default: ResolvedImpairment;
  readonly #random: ImpairmentRandom;
  readonly #rules: LinkRule[] = [];
  readonly #sockets = new Map<string, SimSocketImpl>();
  readonly #pairs = new Map<string, PairState>();
  readonly #inFlight = new Set<Subscription>();
  readonly #events = new Subject<SimEvent>();
  readonly #firstEphemeral: number;
  readonly #capture: PacketCapture | undefined;
  #nextEphemeral: number;
  #stats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    unreachable: 0,
    unread: 0,
  };

  /** Every wire event as it happens (hot). Subscribe before running to record a trace. */
  readonly events: Observable<SimEvent> = this.#events.asObservable();

  constructor(options: SimNetworkOptions = {}) {
    const seed = options.seed ?? 1;
    this.scheduler = options.scheduler ?? new SimScheduler();
    this.#default = resolveImpairment(options.defaultLink);
    this.#random = impairmentRandom(seed);
    const first = options.firstEphemeralPort ?? 49152;
    if (!Number.isInteger(first) || first < 1 || first > 65535) {
      throw new InvalidArgumentError(`firstEphemeralPort must be an integer from 1 to 65535, got ${first}`);
    }
    this.#firstEphemeral = first;
    this.#nextEphemeral = first;
    this.#capture = options.capture;
  }

  /** The network's current time in ms (the scheduler's clock). */
  now(): number {
    return this.scheduler.now();
  }

  /** A snapshot of the counters. */
  get stats(): SimNetworkStats {
    return { ...this.#stats, inFlight: this.#inFlight.size };
  }

  /**
   * Sets the behaviour of the direction `from → to` for every pair of endpoints matching the two
   * patterns (an omitted field matches anything). The newest matching rule wins; its settings are
   * applied over `defaultLink`. Rules apply to datagrams sent after the call.
   *
   * @example
   * ```ts
   * net.setLink({ port: 1060 }, {}, { lossRate: 0.5 }); // the server's replies lose half
   * ```
   */
  setLink(from: SimEndpointPattern, to: SimEndpointPattern, settings: SimLinkOptions): this {
    this.#rules.push({ from, to, settings: resolveImpairment({ ...this.#default, ...settings }) });
    return this;
  }

  /** Removes every {@link setLink} rule: all links go back to `defaultLink`. */
  clearLinks(): this {
    this.#rules.length = 0;
    return this;
  }

  /**
   * Binds a socket. Subscribing performs BIND (synchronously: the socket is emitted at once);
   * unsubscribing closes it and frees the port. Errors with `ADDRESS_IN_USE` when the port is taken
   * (a wildcard binding and a specific one of the same family and port conflict, as without
   * `SO_REUSEADDR`).
   *
   * @example
   * ```ts
   * net.bind({ address: '10.0.0.1', port: 53 }).subscribe((socket) => console.log(socket.local));
   * ```
   */
  bind(options: SimBindOptions = {}): Observable<SimSocket> {
    return new Observable<SimSocket>((subscriber) => {
      let socket: SimSocketImpl;
      try {
        socket = this.#open(options);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      subscriber.next(socket);
      return () => socket.close();
    });
  }

  /**
   * Runs the virtual clock until nothing is scheduled within `ms` and moves it forward by `ms`.
   * @throws {@link @porta/core!index.InvalidArgumentError} when the network does not run on a virtual-time scheduler.
   */
  advanceBy(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new InvalidArgumentError(`ms must be ≥ 0, got ${ms}`);
    this.#advanceTo(this.#virtual().frame + ms);
  }

  /**
   * Runs every scheduled action, whatever its time, until none is left. Does not return while
   * something reschedules itself forever (an `interval`): use {@link advanceBy} or {@link run} then.
   */
  flush(): void {
    this.#virtual().flush();
  }

  /**
   * Subscribes to `source`, runs virtual time until it completes or errors (or nothing is left to
   * run, or `timeLimitMs` of virtual time have passed — default one hour), then unsubscribes it and
   * returns what it emitted.
   *
   * @example
   * ```ts
   * const { values, error } = net.run(request$);
   * ```
   */
  run<T>(source: Observable<T>, options: { readonly timeLimitMs?: number } = {}): SimRunResult<T> {
    const scheduler = this.#virtual();
    const start = scheduler.frame;
    const limit = start + (options.timeLimitMs ?? 3_600_000);
    const values: T[] = [];
    let done = false;
    let completed = false;
    let error: unknown;
    let failed = false;
    const subscription = source.subscribe({
      next: (v) => values.push(v),
      error: (e: unknown) => {
        done = true;
        failed = true;
        error = e;
      },
      complete: () => {
        done = true;
        completed = true;
      },
    });
    try {
      while (!done) {
        const next = scheduler.actions[0];
        if (next === undefined || next.delay > limit) break;
        this.#advanceTo(next.delay);
      }
    } finally {
      subscription.unsubscribe();
    }
    const elapsedMs = scheduler.frame - start;
    return failed ? { values, completed, error, elapsedMs } : { values, completed, elapsedMs };
  }

  /**
   * Cancels every datagram still in flight (their copies are neither delivered nor counted). Needed
   * only with a real-time scheduler, whose pending deliveries are real timers.
   */
  cancelInFlight(): void {
    for (const s of this.#inFlight) s.unsubscribe();
    this.#inFlight.clear();
  }

  #virtual(): VirtualTimeScheduler {
    if (this.scheduler instanceof VirtualTimeScheduler) return this.scheduler;
    throw new InvalidArgumentError('this SimNetwork does not run on a VirtualTimeScheduler');
  }

  #advanceTo(target: number): void {
    const scheduler = this.#virtual();
    const saved = scheduler.maxFrames;
    scheduler.maxFrames = target;
    try {
      scheduler.flush();
    } finally {
      scheduler.maxFrames = saved;
    }
    if (scheduler.frame < target) scheduler.frame = target;
  }

  #open(options: SimBindOptions): SimSocketImpl {
    const local = endpoint(options.address ?? '127.0.0.1', options.port ?? 0);
    const wildcard = local.address === WILDCARD[local.family];
    let port = local.port;
    if (port === 0) {
      port = this.#ephemeralPort(local);
    } else if (this.#conflicts(local.address, local.family, port, wildcard)) {
      throw new AddressInUseError(local.address, port);
    }
    const bound: Endpoint = { ...local, port };
    const source: Endpoint = wildcard ? { ...bound, address: LOOPBACK[bound.family] } : bound;
    const key = formatEndpoint(bound);
    const socket = new SimSocketImpl(this, bound, source, {
      transmit: (data, to, original) => this.#transmit(source, data, to, original),
      release: () => {
        if (this.#sockets.get(key) === socket) this.#sockets.delete(key);
      },
    });
    this.#sockets.set(key, socket);
    return socket;
  }

  #conflicts(address: string, family: Family, port: number, wildcard: boolean): boolean {
    if (this.#sockets.has(formatEndpoint({ address, port, family }))) return true;
    if (this.#sockets.has(formatEndpoint({ address: WILDCARD[family], port, family }))) return true;
    if (!wildcard) return false;
    for (const s of this.#sockets.values()) {
      if (s.local.family === family && s.local.port === port) return true;
    }
    return false;
  }

  #ephemeralPort(local: Endpoint): number {
    const wildcard = local.address === WILDCARD[local.family];
    const span = 65536 - this.#firstEphemeral;
    for (let i = 0; i < span; i++) {
      const port = this.#nextEphemeral;
      this.#nextEphemeral = port === 65535 ? this.#firstEphemeral : port + 1;
      if (!this.#conflicts(local.address, local.family, port, wildcard)) return port;
    }
    throw new AddressInUseError(local.address, 0);
  }

  #settings(from: Endpoint, to: Endpoint): ResolvedImpairment {
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      const rule = this.#rules[i]!;
      if (matches(rule.from, from) && matches(rule.to, to)) return rule.settings;
    }
    return this.#default;
  }

  #emit(type: SimEvent['type'], from: Endpoint, to: Endpoint, seq: number, bytes: number, corrupted = false) {
    if (!this.#events.observed) return;
    const event: SimEvent = { type, time: this.scheduler.now(), from, to, seq, bytes };
    this.#events.next(type === 'delivered' ? { ...event, corrupted } : event);
  }

  #transmit(from: Endpoint, data: Uint8Array, to: Endpoint, original: Uint8Array): void {
    const pairKey = `${formatEndpoint(from)}>${formatEndpoint(to)}`;
    let pair = this.#pairs.get(pairKey);
    if (pair === undefined) {
      pair = { nextSeq: 0, highestDelivered: -1 };
      this.#pairs.set(pairKey, pair);
    }
    const seq = pair.nextSeq++;
    this.#stats.sent++;
    this.#emit('sent', from, to, seq, data.length);
    const plan = planImpairment(this.#settings(from, to), this.#random, data.length);
    if (this.#capture !== undefined)
      captureSend(this.#capture, from, to, data, original, this.scheduler.now(), plan);
    if (plan.lost) {
      this.#stats.lost++;
      this.#emit('lost', from, to, seq, data.length);
      return;
    }
    if (plan.copies.length > 1) {
      this.#stats.duplicated += plan.copies.length - 1;
      this.#emit('duplicated', from, to, seq, data.length);
    }
    const state = pair;
    for (const copy of plan.copies) {
      const bytes = copy.flipBit === undefined ? data : flip(data, copy.flipBit);
      const corrupted = copy.flipBit !== undefined;
      if (corrupted) this.#stats.corrupted++;
      const action = this.scheduler.schedule(() => {
        this.#inFlight.delete(action);
        if (seq < state.highestDelivered) this.#stats.reordered++;
        else state.highestDelivered = seq;
        this.#deliver({ data: bytes, remote: from }, to, seq, corrupted);
      }, copy.delayMs);
      // A zero-delay action on some schedulers may already have run: only track what is pending.
      if (!action.closed) this.#inFlight.add(action);
    }
  }

  #deliver(datagram: Datagram, to: Endpoint, seq: number, corrupted: boolean): void {
    const target =
      this.#sockets.get(formatEndpoint(to)) ??
      this.#sockets.get(formatEndpoint({ ...to, address: WILDCARD[to.family] }));
    const from = datagram.remote;
    if (target === undefined) {
      this.#stats.unreachable++;
      this.#emit('unreachable', from, to, seq, datagram.data.length);
      return;
    }
    if (!target.receive(datagram)) {
      this.#stats.unread++;
      this.#emit('unread', from, to, seq, datagram.data.length);
      return;
    }
    this.#stats.delivered++;
    this.#emit('delivered', from, to, seq, datagram.data.length, corrupted);
  }
}

/** Records one send in a capture, saying what the network's plan does to it. */
function captureSend(
  capture: PacketCapture,
  from: Endpoint,
  to: Endpoint,
  data: Uint8Array,
  original: Uint8Array,
  at: number,
  plan: ReturnType<typeof planImpairment>,
): void {
  const fate = plan.lost
    ? 'lost by the simulated network'
    : plan.copies.length > 1
      ? `duplicated by the simulated network: ${plan.copies.length} copies`
      : undefined;
  capture.datagram(
    from,
    to,
    data,
    fate === undefined ? { at, announcedAs: original } : { at, announcedAs: original, comment: fate },
  );
}

interface SocketHooks {
  /** `data` is the network's own copy of `original`, what the sender passed. */
  readonly transmit: (data: Uint8Array, to: Endpoint, original: Uint8Array) => void;
  readonly release: () => void;
}

class SimSocketImpl implements SimSocket {
  readonly network: SimNetwork;
  readonly local: Endpoint;
  readonly datagrams: Observable<Datagram>;
  readonly #source: Endpoint;
  readonly #hooks: SocketHooks;
  readonly #inbound = new Subject<Datagram>();
  #closed = false;

  constructor(network: SimNetwork, local: Endpoint, source: Endpoint, hooks: SocketHooks) {
    this.network = network;
    this.local = local;
    this.#source = source;
    this.#hooks = hooks;
    this.datagrams = this.#inbound.asObservable();
  }

  send(data: Uint8Array, to: Endpoint): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.#closed) {
        subscriber.error(new SocketClosedError(`socket ${formatEndpoint(this.local)} is closed`));
        return;
      }
      if (to.family !== this.#source.family) {
        subscriber.error(
          new InvalidArgumentError(
            `cannot send from ${this.#source.family} socket ${formatEndpoint(this.local)} to ${formatEndpoint(to)}`,
          ),
        );
        return;
      }
      if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
        subscriber.error(new InvalidArgumentError(`destination port must be 1..65535, got ${to.port}`));
        return;
      }
      const limit = MAX_PAYLOAD[to.family];
      if (data.length > limit) {
        subscriber.error(new DatagramTooLargeError(data.length, limit));
        return;
      }
      this.#hooks.transmit(Uint8Array.from(data), to, data);
      subscriber.next();
      subscriber.complete();
    });
  }

  /** Hands an arriving datagram to the subscribers; false when there are none (or it is closed). */
  receive(datagram: Datagram): boolean {
    if (this.#closed || !this.#inbound.observed) return false;
    this.#inbound.next(datagram);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hooks.release();
    this.#inbound.complete();
  }
}
