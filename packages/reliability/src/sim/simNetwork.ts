import {
  type Datagram,
  type Endpoint,
  endpoint,
  type Family,
  formatEndpoint,
  InvalidArgumentError,
  type PacketCapture,
} from '@porta/core';
import { checkInteger } from '@porta/core/transport';
import { Observable, type SchedulerLike, Subject, type Subscription, VirtualTimeScheduler } from 'rxjs';
import {
  flipBit as flip,
  type ImpairmentRandom,
  impairmentRandom,
  planImpairment,
  type ResolvedImpairment,
  resolveImpairment,
} from '../impairment/impairment.js';
import { isWildcard, PortTable } from './internal/portTable.js';
import { advanceVirtualTime, runInVirtualTime, type SimRunResult } from './runInVirtualTime.js';
import type {
  SimBindOptions,
  SimEndpointPattern,
  SimEvent,
  SimLinkOptions,
  SimNetworkOptions,
  SimNetworkStats,
} from './simNetworkOptions.js';
import { SimScheduler } from './simNetworkScheduler.js';
import { type SimSocket, SimSocketImpl } from './simSocket.js';

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
 * {@link @porta/core!DatagramSocket} (or a `TransportPlugin`, see {@link simTransport}) runs on it unchanged, a
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
  readonly #ports: PortTable<SimSocketImpl>;
  readonly #pairs = new Map<string, PairState>();
  readonly #inFlight = new Set<Subscription>();
  readonly #events = new Subject<SimEvent>();
  readonly #capture: PacketCapture | undefined;
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
    checkInteger(first, 'firstEphemeralPort', 1, 65535);
    this.#ports = new PortTable(first);
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
   * @throws {@link @porta/core!InvalidArgumentError} when the network does not run on a virtual-time scheduler.
   */
  advanceBy(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new InvalidArgumentError(`ms must be ≥ 0, got ${ms}`);
    const scheduler = this.#virtual();
    advanceVirtualTime(scheduler, scheduler.frame + ms);
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
    return runInVirtualTime(this.#virtual(), source, options);
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

  #open(options: SimBindOptions): SimSocketImpl {
    const bound = this.#ports.claim(endpoint(options.address ?? '127.0.0.1', options.port ?? 0));
    const source: Endpoint = isWildcard(bound) ? { ...bound, address: LOOPBACK[bound.family] } : bound;
    const socket: SimSocketImpl = new SimSocketImpl(this, bound, source, {
      transmit: (data, to, original) => this.#transmit(source, data, to, original),
      release: () => this.#ports.release(bound, socket),
    });
    this.#ports.add(bound, socket);
    return socket;
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
    const target = this.#ports.lookup(to);
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
