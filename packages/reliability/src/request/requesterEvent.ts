import type { Endpoint } from '@porta/core';

/** Why a {@link requester} refused an inbound datagram. */
export type RejectReason =
  /** Larger than `maxReplyBytes`. */
  | 'oversize'
  /** From the right peer but not a porta reply (bad header, a request, an attempt never sent). */
  | 'malformed'
  /**
   * Not from the endpoint the request went to (address and port, compared as core's `sameOrigin`
   * does, so `::ffff:127.0.0.1` is `127.0.0.1`): the course's `FAKE`.
   */
  | 'wrongOrigin'
  /** A well-formed reply from a known peer, for an id no request of this client ever had. */
  | 'wrongId'
  /** Another reply for a request already answered (retransmissions answered twice, a flood). */
  | 'duplicate'
  /** A reply for a request that ended without an answer (gave up or was unsubscribed). */
  | 'late';

/** Counters of a {@link requester}, since it was created. */
export interface RequesterStats {
  /** Requests subscribed to. */
  readonly requests: number;
  /** Datagrams sent, retransmissions included. */
  readonly sent: number;
  /** Sends after the first of a request. */
  readonly retransmitted: number;
  /** Replies accepted (one per answered request). */
  readonly accepted: number;
  /** Requests that gave up with `SERVER_UNREACHABLE`. */
  readonly unreachable: number;
  /** Requests refused with `PENDING_LIMIT`. */
  readonly refused: number;
  readonly oversize: number;
  readonly malformed: number;
  readonly wrongOrigin: number;
  readonly wrongId: number;
  readonly duplicates: number;
  readonly late: number;
  /** Round-trip samples given to the RTO estimator. */
  readonly rttSamples: number;
}

/** What a {@link requester} does, as it happens. */
export type RequesterEvent =
  | {
      readonly type: 'sent';
      readonly to: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number;
      readonly waitMs: number;
    }
  | {
      readonly type: 'timeout';
      readonly to: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number;
    }
  | {
      readonly type: 'accepted';
      readonly from: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number | undefined;
      readonly rttMs: number | undefined;
    }
  | {
      readonly type: 'rejected';
      readonly reason: RejectReason;
      readonly from: Endpoint;
      readonly bytes: number;
      readonly id?: bigint;
    };
