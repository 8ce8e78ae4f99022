import { DecodeError, EncodeError, hexPreview } from '@porta/core';

/** Bytes of the header in front of every porta request and reply. */
export const PORTA_HEADER_BYTES = 14;
/** Version byte this codec writes and accepts. */
export const PORTA_VERSION = 1;

const MAGIC_0 = 0x50; // 'P'
const MAGIC_1 = 0x52; // 'R'
const KINDS = ['request', 'reply'] as const;
const MAX_ID = (1n << 64n) - 1n;

/**
 * A request or reply of porta's request/response protocol. On the wire (big-endian):
 *
 * ```
 * 0      2        3      4         6                 14
 * | 'PR' | version | kind | attempt | id (64 bits)     | payload …
 * ```
 *
 * `kind` is 0 for a request, 1 for a reply. `id` is random per request (from `node:crypto`), the
 * same for all its retransmissions; `attempt` (1–65535) numbers the send, and a reply echoes both,
 * so the client knows which request *and which send* it answers (a round-trip sample even after a
 * retransmission). The id is 64 bits: a blind attacker guessing it has a 2⁻⁶⁴ chance per datagram.
 */
export interface PortaMessage {
  readonly kind: 'request' | 'reply';
  readonly id: bigint;
  readonly attempt: number;
  readonly payload: Uint8Array;
}

/**
 * Encodes a {@link PortaMessage}.
 * @throws {@link @porta/core!EncodeError} for an id outside 0..2⁶⁴−1 or an attempt outside 1..65535.
 * @example
 * ```ts
 * const bytes = encodePortaMessage({ kind: 'request', id: 7n, attempt: 1, payload: encodeString('hi', 'utf8') });
 * ```
 */
export function encodePortaMessage(message: PortaMessage): Uint8Array {
  const { id, attempt, payload } = message;
  if (id < 0n || id > MAX_ID) throw new EncodeError(`request id ${id} does not fit in 64 bits`);
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 0xffff) {
    throw new EncodeError(`attempt ${attempt} is outside 1..65535`);
  }
  const out = new Uint8Array(PORTA_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = PORTA_VERSION;
  out[3] = message.kind === 'request' ? 0 : 1;
  view.setUint16(4, attempt);
  view.setBigUint64(6, id);
  out.set(payload, PORTA_HEADER_BYTES);
  return out;
}

/**
 * Decodes a {@link PortaMessage}; the payload is a view into `bytes`, not a copy.
 * @throws {@link @porta/core!DecodeError} for a datagram too short, with the wrong magic, version or kind, or
 * attempt 0 — the raw header is in the message.
 * @example
 * ```ts
 * const { kind, id, attempt, payload } = decodePortaMessage(datagram.data);
 * ```
 */
export function decodePortaMessage(bytes: Uint8Array): PortaMessage {
  if (bytes.length < PORTA_HEADER_BYTES) {
    throw new DecodeError(
      `porta message of ${bytes.length} bytes is shorter than its ${PORTA_HEADER_BYTES}-byte header (${hexPreview(bytes)})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = KINDS[bytes[3] ?? 255];
  const attempt = view.getUint16(4);
  if (
    bytes[0] !== MAGIC_0 ||
    bytes[1] !== MAGIC_1 ||
    bytes[2] !== PORTA_VERSION ||
    kind === undefined ||
    attempt === 0
  ) {
    throw new DecodeError(
      `not a porta v${PORTA_VERSION} message (raw header: ${hexPreview(bytes.subarray(0, PORTA_HEADER_BYTES))})`,
    );
  }
  return { kind, id: view.getBigUint64(6), attempt, payload: bytes.subarray(PORTA_HEADER_BYTES) };
}

/**
 * The reply to a porta request: same id and attempt, `kind: 'reply'`, encoded.
 * @example
 * ```ts
 * const request = decodePortaMessage(d.data);
 * socket.send(replyTo(request, encodeString(`${request.payload.length} bytes`, 'ascii')), d.remote);
 * ```
 */
export function replyTo(request: Pick<PortaMessage, 'id' | 'attempt'>, payload: Uint8Array): Uint8Array {
  return encodePortaMessage({ kind: 'reply', id: request.id, attempt: request.attempt, payload });
}
