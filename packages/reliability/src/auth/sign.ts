import { randomBytes } from 'node:crypto';
import { EncodeError } from '@porta/core';
import { Observable } from 'rxjs';
import {
  type AuthMessage,
  type AuthMode,
  checkAuthKey,
  checkSenderId,
  deriveSenderKeys,
  MAX_COUNTER,
  messageBytes,
  sealMessage,
  withBytes,
} from './authWireFormat.js';

/**
 * Options of {@link sign}.
 *
 * @example
 * ```ts
 * sign(key, { mode: 'chacha20-poly1305' });
 * ```
 */
export interface SignOptions {
  /** Default `hmac-sha256`. The receiver's {@link verify} must use the same mode. */
  readonly mode?: AuthMode;
  /**
   * This sender's 64-bit id. Default: 8 random bytes from `node:crypto`, drawn anew on each
   * subscription, so a restarted sender is a new sender and its counter may start again at 0.
   * Fix it only in tests, or together with a `firstCounter` that never goes back.
   */
  readonly senderId?: bigint;
  /** Counter of the first message. Default 0. */
  readonly firstCounter?: bigint;
}

/**
 * Signs every message with a shared key: prepends a header (version, mode, sender id, a counter that
 * grows by one per message) and appends an authentication tag, in the wire format described at
 * {@link AUTH_HEADER_LENGTH}. Works on bare payloads (`Uint8Array`) and on datagrams (the remote is
 * kept). Each subscription is one sender with its own id and counter. The counter never wraps: past
 * 2⁶⁴ − 1 messages the stream errors with `ENCODE` (rekey long before).
 *
 * @param key at least 32 bytes for `hmac-sha256`, exactly 32 for the AEAD modes (share it out of band).
 * @throws {@link @porta/core!InvalidArgumentError} at once for a bad key, mode or sender id.
 *
 * @example
 * ```ts
 * const key = randomBytes(32);
 * requests.pipe(sign(key)).subscribe((d) => socket.send(d.data, d.remote).subscribe());
 * ```
 */
export function sign(
  key: Uint8Array,
  options: SignOptions = {},
): <T extends AuthMessage>(source: Observable<T>) => Observable<T> {
  const mode = options.mode ?? 'hmac-sha256';
  const secret = checkAuthKey(key, mode);
  const fixedId = options.senderId === undefined ? undefined : checkSenderId(options.senderId);
  const firstCounter = options.firstCounter ?? 0n;
  if (typeof firstCounter !== 'bigint' || firstCounter < 0n || firstCounter > MAX_COUNTER) {
    throw new EncodeError(`firstCounter must be a bigint in 0..2^64-1, got ${String(firstCounter)}`);
  }
  return <T extends AuthMessage>(source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      const senderId = fixedId ?? randomBytes(8).readBigUInt64BE(0);
      const keys = deriveSenderKeys(secret, mode, senderId);
      let counter = firstCounter;
      return source.subscribe({
        next: (message) => {
          if (counter > MAX_COUNTER) {
            subscriber.error(new EncodeError('the 64-bit message counter is exhausted: rekey'));
            return;
          }
          const sealed = sealMessage(keys, senderId, counter, messageBytes(message));
          counter++;
          subscriber.next(withBytes(message, sealed));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
