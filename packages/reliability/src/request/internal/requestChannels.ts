import {
  type Datagram,
  type DatagramSocket,
  portaChannels,
  type RequestRejectMessage,
  type RequestReplyMessage,
  type RequestSendMessage,
} from '@porta/core';
import type { RejectReason } from '../requesterEvent.js';
import type { PendingRequest } from './pendingRequest.js';

export const {
  requestSend: sendChannel,
  requestReply: replyChannel,
  requestReject: rejectChannel,
} = portaChannels;

/** The `porta:request:send` message of one attempt. */
export function sendMessage(
  socket: DatagramSocket,
  request: PendingRequest,
  attempt: number,
  data: Uint8Array,
): RequestSendMessage {
  const { to: remote, id, waitMs } = request;
  return id === undefined
    ? { local: socket.local, remote, attempt, waitMs, data }
    : { local: socket.local, remote, id, attempt, waitMs, data };
}

/** The `porta:request:reply` message of an accepted reply. */
export function replyMessage(
  socket: DatagramSocket,
  request: PendingRequest,
  d: Datagram,
  attempt: number | undefined,
  rttMs: number | undefined,
  now: number,
  rtoMs: number,
): RequestReplyMessage {
  return {
    local: socket.local,
    remote: d.remote,
    ...(request.id === undefined ? {} : { id: request.id }),
    ...(attempt === undefined ? {} : { attempt }),
    ...(rttMs === undefined ? {} : { rttMs, rtoMs }),
    durationMs: now - (request.sentAt[1] ?? now),
    data: d.data,
  };
}

/** The `porta:request:reject` message of a refused datagram. */
export function rejectMessage(
  socket: DatagramSocket,
  reason: RejectReason,
  d: Datagram,
  byId: ReadonlyMap<bigint, PendingRequest>,
  id: bigint | undefined,
): RequestRejectMessage {
  const expected = id === undefined ? undefined : byId.get(id)?.to;
  return {
    local: socket.local,
    remote: d.remote,
    reason,
    ...(expected === undefined ? {} : { expected }),
    ...(id === undefined ? {} : { id }),
    data: d.data,
  };
}
