import { type Datagram, originKey, sameOrigin } from '@porta/core';
import { decodePortaMessage, type PortaMessage } from '../portaMessage.js';
import type { RejectReason } from '../requesterEvent.js';
import type { DestinationQueues } from './destinationQueues.js';
import type { EndedRequests, KnownPeers } from './endedRequests.js';
import type { PendingRequest } from './pendingRequest.js';

/** What an inbound datagram is to a requester: a reply it accepts, or why it is refused. */
export type Verdict =
  | {
      readonly kind: 'accept';
      readonly request: PendingRequest;
      readonly payload: Uint8Array;
      /** The attempt the reply answers, when it is known (an RTT sample); undefined under Karn's rule. */
      readonly sample: number | undefined;
    }
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly id?: bigint };

/** What the classifier reads of a requester's state (it changes none of it). */
export interface ReplyContext {
  readonly plain: boolean;
  readonly maxReplyBytes: number;
  readonly peers: KnownPeers;
  /** Porta mode: requests in flight by id. */
  readonly byId: ReadonlyMap<bigint, PendingRequest>;
  /** Plain mode: the request in flight per destination. */
  readonly destinations: DestinationQueues;
  readonly ended: EndedRequests;
}

/** Decides what an inbound datagram is: the first failing check names the rejection. */
export function classifyReply(d: Datagram, context: ReplyContext): Verdict {
  if (d.data.length > context.maxReplyBytes) return { kind: 'reject', reason: 'oversize' };
  // By origin, not by spelling: a reply from `::ffff:127.0.0.1` answers a request sent to `::ffff:7f00:1`.
  const fromKey = originKey(d.remote);
  if (!context.peers.has(fromKey)) return { kind: 'reject', reason: 'wrongOrigin' };
  if (context.plain) {
    const request = context.destinations.inFlight(fromKey);
    if (request === undefined) {
      return { kind: 'reject', reason: context.ended.get(fromKey)?.answered === true ? 'duplicate' : 'late' };
    }
    if (request.answered) return { kind: 'reject', reason: 'duplicate' };
    // Karn's rule: with no attempt echoed, only a request sent once gives an unambiguous sample.
    return { kind: 'accept', request, payload: d.data, sample: request.attempts === 1 ? 1 : undefined };
  }

  let message: PortaMessage;
  try {
    message = decodePortaMessage(d.data);
  } catch {
    return { kind: 'reject', reason: 'malformed' };
  }
  const id = message.id;
  if (message.kind !== 'reply') return { kind: 'reject', reason: 'malformed', id };
  const request = context.byId.get(id);
  if (request !== undefined) {
    if (!sameOrigin(request.to, d.remote)) return { kind: 'reject', reason: 'wrongOrigin', id };
    // A reply cannot answer a send that has not happened yet.
    if (message.attempt > request.attempts) return { kind: 'reject', reason: 'malformed', id };
    if (request.answered) return { kind: 'reject', reason: 'duplicate', id };
    return { kind: 'accept', request, payload: message.payload, sample: message.attempt };
  }
  const ended = context.ended.get(id);
  if (ended === undefined) return { kind: 'reject', reason: 'wrongId', id };
  if (ended.toKey !== fromKey) return { kind: 'reject', reason: 'wrongOrigin', id };
  return { kind: 'reject', reason: ended.answered ? 'duplicate' : 'late', id };
}
