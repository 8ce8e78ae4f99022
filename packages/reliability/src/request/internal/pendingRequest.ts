import type { Endpoint } from '@porta/core';

/** One request of a requester, from its subscription until it ends. */
export interface PendingRequest {
  readonly id: bigint | undefined;
  readonly to: Endpoint;
  /** `originKey(to)`: the key replies from `to` are matched by. */
  readonly toKey: string;
  /** When each attempt (1-based) was sent, by the requester's scheduler. */
  readonly sentAt: number[];
  attempts: number;
  /** The wait of the attempt being sent (from retryBackoff's onAttempt), for diagnostics. */
  waitMs: number;
  answered: boolean;
  /** Hands the reply to the attempt waiting for it (retryBackoff then completes as on any success). */
  deliver: ((payload: Uint8Array) => void) | undefined;
  /**
   * Hands the reply to the request itself, cancelling the retry schedule: for a reply accepted while
   * no attempt is subscribed (a failed send waiting for its retry), which would otherwise be lost.
   */
  answer: (payload: Uint8Array) => void;
  start: () => void;
  /** Ends the request with `error` (the socket's inbound failed). */
  fail: (error: unknown) => void;
}
