// Errors of how porta is used: an argument or option it cannot take, a bounded queue that is full.
import { PortaError } from './portaError.js';

/**
 * A caller passed an argument porta cannot use (a port of 65536, a malformed address, …). When an
 * option check of `@porta/core/transport` (`checkInteger` and its siblings) refused it, `option`
 * names the option and `value` is what was passed; both are in the message too.
 */
export class InvalidArgumentError extends PortaError<'INVALID_ARGUMENT'> {
  override readonly name = 'InvalidArgumentError';
  constructor(
    message: string,
    readonly option?: string,
    readonly value?: unknown,
  ) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A bounded queue was full: an actor's mailbox under the `fail` overflow strategy, an actor's reply
 * queue, or a connection's pending writes. `message` says which queue and how to raise its bound.
 */
export class MailboxOverflowError extends PortaError<'MAILBOX_OVERFLOW'> {
  override readonly name = 'MailboxOverflowError';
  constructor(
    readonly capacity: number,
    message = `mailbox full: ${capacity} messages are waiting`,
  ) {
    super('MAILBOX_OVERFLOW', message);
  }
}
