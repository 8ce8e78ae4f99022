import { AuthError, type AuthRejectMessage, portaChannels, ReplayError } from '@porta/core';
import { BoundedMap, checkPositiveInteger } from '@porta/core/transport';
import { Observable } from 'rxjs';
import {
  type AuthMessage,
  type AuthMode,
  type AuthRejectReason,
  checkAuthKey,
  messageBytes,
  openMessage,
  parseHeader,
  type SenderKeys,
  senderKeyDeriver,
  withBytes,
} from './authWireFormat.js';
import { ReplayWindow, type ReplayWindowOptions } from './replayWindow.js';

/**
 * Options of {@link verify}.
 *
 * @example
 * ```ts
 * verify(key, { mode: 'aes-256-gcm', window: { bits: 8192 }, maxSenders: 10_000 });
 * ```
 */
export interface VerifyOptions<T extends AuthMessage = AuthMessage> {
  /** Default `hmac-sha256`; must match the sender's. Messages of another mode are rejected as `format`. */
  readonly mode?: AuthMode;
  /** Size of each sender's replay window. Default 2048 bits (1984 counters). */
  readonly window?: ReplayWindowOptions;
  /**
   * Senders remembered at once (one replay window each, `bits / 8` bytes). Past this the least
   * recently heard sender is forgotten. Only authenticated messages create a sender, so a forger
   * cannot fill the table; but a forgotten sender's old messages would be accepted once more if
   * replayed, so size this above the number of live senders. Default 1024.
   */
  readonly maxSenders?: number;
  /**
   * Called for every rejected message, with why and the message as received. The message is then
   * dropped: a rejection never reaches downstream and never ends the stream.
   */
  readonly onReject?: (reason: AuthRejectReason, message: T, error: AuthError | ReplayError) => void;
}

/**
 * Counters of a {@link verify} operator, over all its subscriptions.
 *
 * @example
 * ```ts
 * const check = verify<Uint8Array>(key);
 * bytes$.pipe(check).subscribe();
 * const { accepted, rejected } = check.stats;
 * ```
 */
export interface VerifyStats {
  readonly accepted: number;
  readonly rejected: Readonly<Record<AuthRejectReason, number>>;
}

/**
 * The operator returned by {@link verify}, with its counters.
 *
 * @example
 * ```ts
 * const check = verify(key);
 * socket.datagrams.pipe(check).subscribe();
 * console.log(check.stats.rejected.replay);
 * ```
 */
export interface Verifier {
  <T extends AuthMessage>(source: Observable<T>): Observable<T>;
  /** A snapshot of the counters. */
  readonly stats: VerifyStats;
}

interface SenderState {
  readonly keys: SenderKeys;
  readonly window: ReplayWindow;
}

const rejectChannel = portaChannels.authReject;

function rejectMessage(
  reason: AuthRejectReason,
  message: AuthMessage,
  counter: bigint | undefined,
): AuthRejectMessage {
  const remote = (message as { readonly remote?: AuthRejectMessage['remote'] }).remote;
  return {
    ...(remote === undefined ? {} : { remote }),
    reason,
    ...(counter === undefined ? {} : { counter }),
    data: messageBytes(message),
  };
}

const MESSAGES: Record<Exclude<AuthRejectReason, 'replay'>, string> = {
  truncated: 'shorter than an authenticated header and tag',
  format: 'unknown version or another mode',
  forged: 'the tag does not match (forged, corrupted or another key)',
};

/**
 * Verifies messages made by {@link sign} with the same key and mode: checks the tag in constant
 * time, then the sender's replay window ({@link ReplayWindow}, RFC 6479 / WireGuard), and passes on
 * the bare payload (or the datagram carrying it). Truncated, malformed, forged, wrong-key and
 * replayed messages are dropped, counted in {@link Verifier.stats} and reported to `onReject`; the
 * stream goes on. The tag is checked before the window so that a forged counter cannot move it.
 * Each subscription keeps its own table of senders.
 *
 * @throws {@link @porta/core!InvalidArgumentError} at once for a bad key, mode or limit.
 *
 * @example
 * ```ts
 * const check = verify<Datagram>(key, { onReject: (reason, d) => console.warn(reason, d.remote) });
 * socket.datagrams.pipe(check).subscribe((d) => handle(d.data));
 * ```
 */
export function verify<M extends AuthMessage = AuthMessage>(
  key: Uint8Array,
  options: VerifyOptions<M> = {},
): Verifier {
  const mode = options.mode ?? 'hmac-sha256';
  const secret = checkAuthKey(key, mode);
  // Built once: a sender not seen yet then costs one HMAC to derive, not a full HKDF (a forger picks a
  // fresh sender id for every datagram).
  const deriveKeys = senderKeyDeriver(secret, mode);
  const maxSenders = checkPositiveInteger(options.maxSenders ?? 1024, 'maxSenders');
  new ReplayWindow(options.window); // checks the window options now rather than on the first message
  const stats = { accepted: 0, rejected: { truncated: 0, format: 0, forged: 0, replay: 0 } };
  const onReject = options.onReject as
    | ((r: AuthRejectReason, m: AuthMessage, e: AuthError | ReplayError) => void)
    | undefined;

  const operator = <T extends AuthMessage>(source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      // Least recently heard from evicted first: a forger cycling sender ids cannot grow it.
      const senders = new BoundedMap<bigint, SenderState>({ maxSize: maxSenders });
      const reject = (reason: AuthRejectReason, message: T, counter?: bigint) => {
        stats.rejected[reason]++;
        if (rejectChannel.hasSubscribers) rejectChannel.publish(rejectMessage(reason, message, counter));
        if (onReject === undefined) return;
        const error =
          reason === 'replay'
            ? new ReplayError(counter ?? 0n)
            : new AuthError(`rejected a ${messageBytes(message).length}-byte message: ${MESSAGES[reason]}`);
        onReject(reason, message, error);
      };
      return source.subscribe({
        next: (message) => {
          const bytes = messageBytes(message);
          const header = parseHeader(bytes, mode);
          if (typeof header === 'string') return reject(header, message);
          let sender = senders.peek(header.senderId);
          const keys = sender?.keys ?? deriveKeys(header.senderId);
          const payload = openMessage(keys, bytes, header.counter);
          if (payload === undefined) return reject('forged', message);
          sender ??= { keys, window: new ReplayWindow(options.window) };
          senders.set(header.senderId, sender); // the most recent now (evicts the oldest when new and full)
          if (!sender.window.accept(header.counter)) return reject('replay', message, header.counter);
          stats.accepted++;
          subscriber.next(withBytes(message, payload));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });

  return Object.defineProperty(operator, 'stats', {
    get: (): VerifyStats => ({ accepted: stats.accepted, rejected: { ...stats.rejected } }),
    enumerable: true,
  }) as Verifier;
}
