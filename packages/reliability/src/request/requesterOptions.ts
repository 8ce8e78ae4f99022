import type { SchedulerLike } from 'rxjs';
import type { RetryBackoffOptions } from '../retry/retryBackoff.js';
import type { RtoTableOptions } from '../retry/rtoEstimator.js';

/** Options of {@link requester}. */
export interface RequesterOptions {
  /**
   * `'porta'` (default): every request carries a random 64-bit id and the attempt number (see
   * {@link PortaMessage}); the server must answer with {@link serveRequests} or {@link replyTo}.
   * `'plain'`: payloads go out as they are, for servers that know nothing of porta (the course's
   * Python programs); a reply is matched by origin only, so at most one request per destination
   * is in flight (`onePerDestination` is forced on).
   */
  readonly mode?: 'porta' | 'plain';
  /**
   * Start each request's waits from its peer's RFC 6298 RTO ({@link RtoTable}) instead of the
   * course's fixed 100 ms. Default false (the course). With `adaptive`, the retry defaults become
   * five attempts with waits doubling from the RTO and capped at `maxWaitMs` (2 s), so a slow
   * server is not given up on sooner than by the course.
   */
  readonly adaptive?: boolean;
  /** Retry policy and hooks, see {@link retryBackoff}. `initialMs` is replaced by the RTO when `adaptive`. */
  readonly retry?: RetryBackoffOptions;
  /** Clock and timers for the retries and RTT samples. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Most requests pending (in flight or queued); one more fails with `PENDING_LIMIT`. Default 1024. */
  readonly maxPending?: number;
  /** At most one request in flight per destination, the others queue (RFC 8085 §3.1.3). Default false. */
  readonly onePerDestination?: boolean;
  /** Replies larger than this are refused as `oversize`. Default 65,507 (the IPv4 maximum). */
  readonly maxReplyBytes?: number;
  /** How many ended requests are remembered to tell a `late`/`duplicate` reply from a `wrongId` one. Default 1024. */
  readonly rememberEnded?: number;
  /** Settings of the per-peer RTO estimators. */
  readonly rto?: RtoTableOptions;
  /**
   * Source of request ids. Default: 64 bits from `crypto.getRandomValues`. Override only to make a
   * simulation repeat exactly; predictable ids let an off-path attacker forge replies.
   */
  readonly randomId?: () => bigint;
}

/**
 * Options of one {@link Requester.request}.
 *
 * @example
 * ```ts
 * const client = requester(await openUdpSocket());
 * const server = { address: '127.0.0.1', port: 1060 };
 * await firstValueFrom(client.request(payload, server, { signal: AbortSignal.timeout(5_000) }));
 * ```
 */
export interface RequestOptions {
  /**
   * Aborting it abandons the request (no more retransmissions; a late reply is counted `late`) and
   * the request errors with `AbortError` (`ABORT_ERR`); already aborted, nothing is sent.
   */
  readonly signal?: AbortSignal;
}
