import { type Endpoint, InvalidArgumentError } from '@porta/core';
import { checkNonNegativeNumber, checkPositiveInteger, PeerMap } from '@porta/core/transport';

/** Options of {@link RtoEstimator} and {@link RtoTable}. */
export interface RtoEstimatorOptions {
  /**
   * RTO before the first sample. Default 100 ms — the course's first wait, not RFC 6298's 1 s: the
   * course runs on a LAN, and a first request that is resent once is cheaper than one that waits a
   * second after a loss. The first sample replaces it anyway.
   */
  readonly initialRtoMs?: number;
  /**
   * Lower bound of the RTO. Default 100 ms. RFC 6298 says 1 s, sized for TCP's delayed ACKs and the
   * coarse timers of 2000; a request/response exchange has neither, and 1 s would make porta
   * slower to recover from a loss than the course's fixed 0.1 s.
   */
  readonly minRtoMs?: number;
  /** Upper bound of the RTO. Default 60 s (RFC 6298 §2.5). */
  readonly maxRtoMs?: number;
  /** Clock granularity G of RFC 6298. Default 1 ms. */
  readonly granularityMs?: number;
}

/**
 * The retransmission timeout of RFC 6298 for one peer: a smoothed round-trip time (SRTT) and its
 * variation (RTTVAR), with α = 1/8, β = 1/4, K = 4.
 *
 * - first sample R: SRTT = R, RTTVAR = R/2;
 * - then: RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R|, SRTT = 7/8·SRTT + 1/8·R (RTTVAR first, with the old SRTT);
 * - RTO = SRTT + max(G, 4·RTTVAR), bounded by `[minRtoMs, maxRtoMs]`;
 * - on a timeout, {@link RtoEstimator.backoff} doubles the RTO (bounded), until the next sample.
 *
 * Karn's rule is the caller's: feed it only samples that certainly time one send — a reply to a
 * request sent once, or a reply that echoes the attempt it answers (porta's requester does both).
 *
 * @example
 * ```ts
 * const rto = new RtoEstimator();
 * rto.sample(100); // 300: SRTT 100, RTTVAR 50
 * rto.sample(100); // 250: SRTT 100, RTTVAR 37.5
 * ```
 */
export class RtoEstimator {
  readonly #min: number;
  readonly #max: number;
  readonly #granularity: number;
  #srtt: number | undefined;
  #rttvar: number | undefined;
  #rto: number;

  constructor(options: RtoEstimatorOptions = {}) {
    this.#min = checkNonNegativeNumber(options.minRtoMs ?? 100, 'minRtoMs');
    this.#max = checkNonNegativeNumber(options.maxRtoMs ?? 60_000, 'maxRtoMs');
    if (this.#max < this.#min) {
      throw new InvalidArgumentError(`maxRtoMs (${this.#max}) must not be below minRtoMs (${this.#min})`);
    }
    this.#granularity = checkNonNegativeNumber(options.granularityMs ?? 1, 'granularityMs');
    this.#rto = this.#bound(checkNonNegativeNumber(options.initialRtoMs ?? 100, 'initialRtoMs'));
  }

  /** The current retransmission timeout in ms. */
  get rto(): number {
    return this.#rto;
  }

  /** Smoothed round-trip time, `undefined` before the first sample. */
  get srtt(): number | undefined {
    return this.#srtt;
  }

  /** Round-trip time variation, `undefined` before the first sample. */
  get rttvar(): number | undefined {
    return this.#rttvar;
  }

  /**
   * Takes one round-trip measurement (ms) and returns the new RTO.
   * @throws {@link @porta/core!InvalidArgumentError} for a negative or non-finite sample.
   */
  sample(rttMs: number): number {
    const r = checkNonNegativeNumber(rttMs, 'rtt sample');
    if (this.#srtt === undefined || this.#rttvar === undefined) {
      this.#srtt = r;
      this.#rttvar = r / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - r);
      this.#srtt = 0.875 * this.#srtt + 0.125 * r;
    }
    this.#rto = this.#bound(this.#srtt + Math.max(this.#granularity, 4 * this.#rttvar));
    return this.#rto;
  }

  /** A timeout: doubles the RTO (RFC 6298 §5.5), up to `maxRtoMs`. Returns the new RTO. */
  backoff(): number {
    this.#rto = this.#bound(this.#rto * 2);
    return this.#rto;
  }

  #bound(rto: number): number {
    return Math.min(this.#max, Math.max(this.#min, rto));
  }
}

/** Options of {@link RtoTable}. */
export interface RtoTableOptions extends RtoEstimatorOptions {
  /** Most peers remembered; the least recently used is forgotten past it. Default 1024. */
  readonly maxPeers?: number;
}

/**
 * One {@link RtoEstimator} per peer endpoint, in a bounded map: the least recently used peer is
 * forgotten when a new one would exceed `maxPeers` (it starts again from `initialRtoMs` if it comes
 * back), so a client talking to many servers uses bounded memory.
 *
 * @example
 * ```ts
 * const table = new RtoTable();
 * table.sample(server, 200);
 * table.rto(server); // 600
 * ```
 */
export class RtoTable {
  readonly #options: RtoEstimatorOptions;
  /** By origin (`::ffff:127.0.0.1` is `127.0.0.1`), least recently used evicted first. */
  readonly #peers: PeerMap<RtoEstimator>;

  constructor(options: RtoTableOptions = {}) {
    const { maxPeers = 1024, ...estimator } = options;
    this.#peers = new PeerMap({ maxSize: checkPositiveInteger(maxPeers, 'maxPeers') });
    this.#options = estimator;
    new RtoEstimator(estimator); // validates the options now rather than at the first peer
  }

  /** Number of peers remembered. */
  get size(): number {
    return this.#peers.size;
  }

  /** The estimator of `peer`, created on first use. */
  get(peer: Endpoint): RtoEstimator {
    let estimator = this.#peers.get(peer);
    if (estimator === undefined) {
      estimator = new RtoEstimator(this.#options);
      this.#peers.set(peer, estimator);
    }
    return estimator;
  }

  /** The current RTO of `peer`. */
  rto(peer: Endpoint): number {
    return this.get(peer).rto;
  }

  /** Feeds a round-trip sample for `peer`; returns its new RTO. */
  sample(peer: Endpoint, rttMs: number): number {
    return this.get(peer).sample(rttMs);
  }

  /** A timeout towards `peer`: doubles its RTO; returns it. */
  backoff(peer: Endpoint): number {
    return this.get(peer).backoff();
  }
}
