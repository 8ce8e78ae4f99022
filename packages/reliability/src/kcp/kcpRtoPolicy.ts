import { RtoEstimator } from '../retry/rtoEstimator.js';

/**
 * How a KCP session computes its retransmission timeout: KCP's own estimator, or RFC 6298's.
 *
 * @example
 * ```ts
 * kcpConnect(socket, server, { rto: 'rfc6298' });
 * ```
 */
export type KcpRtoName = 'kcp' | 'rfc6298';

/**
 * A retransmission-timeout policy: the RTO a first transmission waits, fed by round-trip samples,
 * and how a segment's own timeout grows each time it expires.
 *
 * @example
 * ```ts
 * const policy = kcpRtoPolicy('kcp', { nodelay: false, intervalMs: 30 });
 * policy.sample(80);
 * ```
 */
export interface KcpRtoPolicy {
  /** The RTO of a segment sent now, in ms. */
  readonly rto: number;
  /** One round-trip measurement in ms. */
  sample(rttMs: number): void;
  /** The timeout of a segment whose timeout `segmentRto` just expired. */
  backoff(segmentRto: number): number;
}

const RTO_MAX = 60_000;
const RTO_INITIAL = 200;

/**
 * ikcp.c's estimator (`ikcp_update_ack`): SRTT with gain 1/8, RTTVAR with gain 1/4 (1/32 when the
 * sample is well under SRTT, kcp-go's change), RTO = SRTT + max(interval, 4·RTTVAR), bounded by
 * [30 ms with nodelay, else 100 ms; 60 s]. On expiry a segment's RTO grows by the current RTO
 * (by half of it with nodelay): linear, not doubling — KCP's answer to TCP's slow recovery.
 */
class KcpOwnRto implements KcpRtoPolicy {
  #srtt = 0;
  #rttvar = 0;
  #rto = RTO_INITIAL;
  constructor(
    private readonly nodelay: boolean,
    private readonly intervalMs: number,
  ) {}

  get rto(): number {
    return this.#rto;
  }

  sample(rtt: number): void {
    if (this.#srtt === 0) {
      this.#srtt = rtt;
      this.#rttvar = rtt / 2;
    } else {
      const delta = rtt - this.#srtt;
      this.#srtt += delta / 8;
      const abs = Math.abs(delta);
      this.#rttvar += (abs - this.#rttvar) / (rtt < this.#srtt - this.#rttvar ? 32 : 4);
    }
    const rto = this.#srtt + Math.max(this.intervalMs, 4 * this.#rttvar);
    this.#rto = Math.min(RTO_MAX, Math.max(this.nodelay ? 30 : 100, Math.floor(rto)));
  }

  backoff(segmentRto: number): number {
    return Math.min(RTO_MAX, segmentRto + (this.nodelay ? Math.floor(this.#rto / 2) : this.#rto));
  }
}

/** porta's {@link RtoEstimator} (RFC 6298) with KCP's floor; a timed-out segment's RTO doubles. */
class Rfc6298Rto implements KcpRtoPolicy {
  readonly #estimator: RtoEstimator;
  constructor(nodelay: boolean) {
    this.#estimator = new RtoEstimator({
      initialRtoMs: RTO_INITIAL,
      minRtoMs: nodelay ? 30 : 100,
      maxRtoMs: RTO_MAX,
    });
  }
  get rto(): number {
    return this.#estimator.rto;
  }
  sample(rtt: number): void {
    this.#estimator.sample(rtt);
  }
  backoff(segmentRto: number): number {
    return Math.min(RTO_MAX, segmentRto * 2);
  }
}

/**
 * Makes the named policy for one session.
 *
 * @example
 * ```ts
 * const rto = kcpRtoPolicy('rfc6298', { nodelay: true, intervalMs: 10 });
 * ```
 */
export function kcpRtoPolicy(
  name: KcpRtoName,
  tuning: { readonly nodelay: boolean; readonly intervalMs: number },
): KcpRtoPolicy {
  return name === 'rfc6298'
    ? new Rfc6298Rto(tuning.nodelay)
    : new KcpOwnRto(tuning.nodelay, tuning.intervalMs);
}
