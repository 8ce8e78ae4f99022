import { MailboxOverflowError } from '../../errors.js';
import type { PeerLink } from '../../plugin.js';
import { Mailbox } from '../mailbox.js';
import type { PeerInfo } from '../serverEvent.js';
import type { ActorHost } from './actorHost.js';

/** What the inbox needs from its actor. */
export interface InboxOwner {
  readonly closed: boolean;
  /** The overflow strategy says the current run fails. */
  overflowed(error: MailboxOverflowError): void;
}

/**
 * An actor's inbound side: its {@link Mailbox}, the overflow strategy applied to what does not fit
 * (every drop counted and reported), and `backpressure`'s pause and resume of the link — where the
 * link can pause at all (a link without `pause`, UDP, drops instead).
 */
export class Inbox {
  readonly mailbox: Mailbox<Uint8Array>;
  readonly #link: PeerLink;
  readonly #host: ActorHost;
  readonly #info: PeerInfo;
  readonly #owner: InboxOwner;
  #paused = false;
  #dropped = 0;

  constructor(link: PeerLink, host: ActorHost, info: PeerInfo, owner: InboxOwner) {
    this.mailbox = new Mailbox<Uint8Array>(host.mailbox);
    this.#link = link;
    this.#host = host;
    this.#info = info;
    this.#owner = owner;
  }

  /** A message arrived (already counted in `messagesIn`): into the mailbox, or overflow. */
  put(message: Uint8Array): void {
    const mailbox = this.mailbox;
    if (mailbox.fits(message)) {
      mailbox.push(message);
      if (
        mailbox.overflow === 'backpressure' &&
        this.#link.pause !== undefined &&
        !this.#paused &&
        mailbox.aboveHighWater
      ) {
        this.#paused = true;
        this.#link.pause();
        this.#host.stats.paused++;
        this.#host.emit({ type: 'backpressure', peer: this.#info, paused: true, queued: mailbox.size });
      }
      return;
    }
    switch (mailbox.overflow) {
      case 'drop-oldest': {
        // Over the byte bound, one message out may not make room: drop until it fits (an empty
        // mailbox takes any message, so this ends).
        while (!mailbox.fits(message)) this.#drop('oldest', mailbox.shift() as Uint8Array);
        mailbox.push(message);
        break;
      }
      case 'drop-newest':
        this.#drop('newest', message);
        break;
      case 'backpressure':
        this.#drop('newest', message);
        // A pausable link that keeps delivering past the whole capacity broke its contract:
        // dropping a chunk of a byte stream would corrupt it, so the actor fails instead.
        if (this.#link.pause !== undefined) this.#owner.overflowed(this.#overflowError());
        break;
      case 'fail':
        this.#drop('newest', message);
        this.#owner.overflowed(this.#overflowError());
        break;
    }
  }

  /** After a message was taken and delivered: a paused link resumes below the low-water marks. */
  taken(): void {
    const mailbox = this.mailbox;
    if (!this.#owner.closed && this.#paused && mailbox.belowLowWater) {
      this.#paused = false;
      this.#link.resume?.();
      this.#host.emit({ type: 'backpressure', peer: this.#info, paused: false, queued: mailbox.size });
    }
  }

  #overflowError(): MailboxOverflowError {
    const mailbox = this.mailbox;
    return mailbox.isFull
      ? new MailboxOverflowError(mailbox.capacity)
      : new MailboxOverflowError(
          mailbox.capacity,
          `mailbox full: ${mailbox.bytes} bytes are waiting, and one more message would pass maxBytes ${mailbox.maxBytes}`,
        );
  }

  #drop(which: 'newest' | 'oldest', message: Uint8Array): void {
    this.#dropped++;
    this.#host.stats.dropped++;
    this.#host.emit({
      type: 'dropped',
      peer: this.#info,
      which,
      overflow: this.mailbox.overflow,
      bytes: message.byteLength,
      peerDropped: this.#dropped,
    });
  }
}
