// Errors of the reliability layer: retries given up, timeouts, authentication and replay, pending
// limits, KCP and smux.
import { hexPreview, PortaError } from './portaError.js';

/** Retries were exhausted without an answer: the course's "I think the server is down". */
export class ServerUnreachableError extends PortaError<'SERVER_UNREACHABLE'> {
  override readonly name = 'ServerUnreachableError';
  constructor(
    message: string,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super('SERVER_UNREACHABLE', message);
  }
}

/** An operation did not finish in time (connect, idle, frame assembly). */
export class TimeoutError extends PortaError<'TIMEOUT'> {
  override readonly name = 'TimeoutError';
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super('TIMEOUT', message);
  }
}

/** A datagram failed authentication (bad tag, wrong key, truncated). */
export class AuthError extends PortaError<'AUTH'> {
  override readonly name = 'AuthError';
  constructor(message: string) {
    super('AUTH', message);
  }
}

/** A datagram's counter was already seen or is behind the replay window. */
export class ReplayError extends PortaError<'REPLAY'> {
  override readonly name = 'ReplayError';
  constructor(readonly counter: bigint) {
    super('REPLAY', `counter ${counter} was already seen or is too old for the replay window`);
  }
}

/** A request/response client already has its maximum of requests pending (sent or queued). */
export class PendingLimitError extends PortaError<'PENDING_LIMIT'> {
  override readonly name = 'PendingLimitError';
  constructor(readonly limit: number) {
    super('PENDING_LIMIT', `request refused: ${limit} requests are already pending (maxPending)`);
  }
}

/**
 * A KCP session's peer stopped answering: one segment was sent `transmissions` times without an
 * acknowledgement (`reason: 'retransmissions'`), or nothing at all arrived for `silenceMs`
 * (`reason: 'silence'`).
 */
export class KcpDeadLinkError extends PortaError<'KCP_DEAD_LINK'> {
  override readonly name = 'KcpDeadLinkError';
  constructor(
    readonly reason: 'retransmissions' | 'silence',
    readonly conv: number,
    readonly transmissions: number,
    readonly silenceMs: number,
  ) {
    super(
      'KCP_DEAD_LINK',
      reason === 'retransmissions'
        ? `KCP session ${conv}: a segment was sent ${transmissions} times without an acknowledgement (dead link)`
        : `KCP session ${conv}: nothing received for ${silenceMs} ms (dead link)`,
    );
  }
}

/** A KCP packet that is not a sequence of well-formed 24-byte-header segments (or fails its CRC32). */
export class KcpMalformedError extends PortaError<'KCP_MALFORMED'> {
  override readonly name = 'KcpMalformedError';
  constructor(
    message: string,
    readonly packet?: Uint8Array,
  ) {
    super('KCP_MALFORMED', packet ? `${message} (first bytes: ${hexPreview(packet, 28)})` : message);
  }
}

/** The smux peer broke the protocol: a wrong version byte, an unknown command, a frame it may not send. */
export class SmuxProtocolError extends PortaError<'SMUX_PROTOCOL'> {
  override readonly name = 'SmuxProtocolError';
  constructor(
    message: string,
    readonly header?: Uint8Array,
  ) {
    super('SMUX_PROTOCOL', header ? `${message} (header: ${hexPreview(header)})` : message);
  }
}

/** An smux session heard nothing from its peer, not even a keepalive NOP, for `timeoutMs`. */
export class SmuxTimeoutError extends PortaError<'SMUX_TIMEOUT'> {
  override readonly name = 'SmuxTimeoutError';
  constructor(readonly timeoutMs: number) {
    super('SMUX_TIMEOUT', `smux session: nothing received for ${timeoutMs} ms (keepalive timeout)`);
  }
}
