import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { Datagram } from '@porta/core';
import { InvalidArgumentError } from '@porta/core';

/**
 * How {@link sign} protects a datagram:
 * - `hmac-sha256` — integrity only: the payload travels in clear, followed by a 32-byte
 *   HMAC-SHA-256 tag (RFC 2104) over the header and payload;
 * - `aes-256-gcm`, `chacha20-poly1305` — integrity and confidentiality (AEAD, from node:crypto),
 *   16-byte tag.
 *
 * @example
 * ```ts
 * sign(key, { mode: 'aes-256-gcm' });
 * ```
 */
export type AuthMode = 'hmac-sha256' | 'aes-256-gcm' | 'chacha20-poly1305';

/**
 * What {@link sign} and {@link verify} accept: bare payloads or datagrams (the remote is kept).
 *
 * @example
 * ```ts
 * from([new Uint8Array([1, 2, 3])]).pipe(sign(key)); // or an Observable<Datagram>
 * ```
 */
export type AuthMessage = Uint8Array | Datagram;

/**
 * The authenticated wire format, version 1. All integers are unsigned big-endian.
 *
 * ```text
 *  offset  size  field
 *  0       1     version      = 1
 *  1       1     mode         1 = hmac-sha256, 2 = aes-256-gcm, 3 = chacha20-poly1305
 *  2       8     sender id    random per sender (per subscription of `sign`), chosen by the sender
 *  10      8     counter      0, 1, 2, … per sender; never reused, never wraps
 *  18      n     payload      clear text (hmac-sha256) or cipher text of the same length (AEAD)
 *  18+n    t     tag          t = 32: HMAC-SHA-256(key, bytes 0 .. 18+n)
 *                             t = 16: the AEAD tag, with bytes 0..18 as associated data
 * ```
 *
 * AEAD modes never use the shared key directly: each sender gets its own key,
 * `HKDF-SHA-256(ikm = key, salt = "", info = "porta-auth v1 " + mode + sender id (8 bytes), 32)`,
 * and the 12-byte nonce is four zero bytes followed by the counter. A nonce is therefore unique
 * per (sender key, counter), and two senders collide only if their random 64-bit ids do.
 *
 * The receiver keeps one replay window per sender id (not per source address: a replay sent from
 * another address or port is still a replay, and a sender may change address, as in WireGuard).
 *
 * @example
 * ```ts
 * const counter = new DataView(message.buffer, message.byteOffset).getBigUint64(10);
 * const payload = message.subarray(AUTH_HEADER_LENGTH, message.length - 32); // hmac-sha256
 * ```
 */
export const AUTH_HEADER_LENGTH = 18;
export const AUTH_VERSION = 1;

const MODE_CODES: Record<AuthMode, number> = { 'hmac-sha256': 1, 'aes-256-gcm': 2, 'chacha20-poly1305': 3 };
const TAG_LENGTHS: Record<AuthMode, number> = {
  'hmac-sha256': 32,
  'aes-256-gcm': 16,
  'chacha20-poly1305': 16,
};
const U64_MAX = (1n << 64n) - 1n;

/**
 * Bytes {@link sign} adds to every payload in `mode`: 50 for HMAC, 34 for the AEADs.
 *
 * @example
 * ```ts
 * const maxPayload = 65_507 - authOverhead('hmac-sha256'); // 65,457
 * ```
 */
export function authOverhead(mode: AuthMode = 'hmac-sha256'): number {
  return AUTH_HEADER_LENGTH + TAG_LENGTHS[mode];
}

/** Checks and copies a key for `mode`. */
export function checkAuthKey(key: Uint8Array, mode: AuthMode): Uint8Array {
  if (!(mode in MODE_CODES)) throw new InvalidArgumentError(`unknown auth mode "${String(mode)}"`);
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError('the key must be a Uint8Array');
  if (mode === 'hmac-sha256' ? key.length < 32 : key.length !== 32) {
    throw new InvalidArgumentError(
      `${mode} needs a key of ${mode === 'hmac-sha256' ? 'at least' : 'exactly'} 32 bytes, got ${key.length}`,
    );
  }
  return Uint8Array.from(key);
}

export function checkSenderId(id: bigint): bigint {
  if (typeof id !== 'bigint' || id < 0n || id > U64_MAX) {
    throw new InvalidArgumentError(`senderId must be a bigint in 0..2^64-1, got ${String(id)}`);
  }
  return id;
}

const HKDF_INFO_PREFIX = 'porta-auth v1 ';

/**
 * HKDF-SHA-256 (RFC 5869) split in its two steps, so that the extract step — which depends on the
 * shared key alone — runs once per key, and deriving a sender's key costs one HMAC (the expand step
 * for one 32-byte block). `hkdfSync` redoes both steps and its own set-up on every call, which made
 * each forged datagram from an unseen sender id cost several times one MAC. Same output as
 * `hkdfSync('sha256', key, '', info, 32)` (a test checks it).
 */
function senderKeyExpander(key: Uint8Array, mode: AuthMode): (senderId: bigint) => Uint8Array {
  // Extract with an empty salt: HMAC pads the key with zeros, so "" is RFC 5869's default salt.
  const prk = createHmac('sha256', new Uint8Array(0)).update(key).digest();
  const info = new Uint8Array(HKDF_INFO_PREFIX.length + mode.length + 8 + 1);
  new TextEncoder().encodeInto(`${HKDF_INFO_PREFIX}${mode}`, info);
  const view = new DataView(info.buffer);
  const idAt = HKDF_INFO_PREFIX.length + mode.length;
  info[info.length - 1] = 1; // T(1) = HMAC(PRK, info || 0x01): one block is the 32 bytes we need
  return (senderId) => {
    view.setBigUint64(idAt, senderId);
    return new Uint8Array(createHmac('sha256', prk).update(info).digest());
  };
}

function nonce(counter: bigint): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, counter);
  return n;
}

/** The keys one sender uses; AEAD keys are derived once per sender id. */
export interface SenderKeys {
  readonly mode: AuthMode;
  readonly key: Uint8Array;
}

/**
 * Derives each sender's keys from the shared key: for AEAD modes one HMAC per sender id (see
 * {@link senderKeyExpander}); for `hmac-sha256` the shared key itself.
 */
export function senderKeyDeriver(key: Uint8Array, mode: AuthMode): (senderId: bigint) => SenderKeys {
  if (mode === 'hmac-sha256') {
    const keys: SenderKeys = { mode, key };
    return () => keys;
  }
  const expand = senderKeyExpander(key, mode);
  return (senderId) => ({ mode, key: expand(senderId) });
}

export function deriveSenderKeys(key: Uint8Array, mode: AuthMode, senderId: bigint): SenderKeys {
  return senderKeyDeriver(key, mode)(senderId);
}

/** Encodes one authenticated message (see {@link AUTH_HEADER_LENGTH} for the format). */
export function sealMessage(
  keys: SenderKeys,
  senderId: bigint,
  counter: bigint,
  payload: Uint8Array,
): Uint8Array {
  const { mode } = keys;
  const tagLength = TAG_LENGTHS[mode];
  const out = new Uint8Array(AUTH_HEADER_LENGTH + payload.length + tagLength);
  const view = new DataView(out.buffer);
  out[0] = AUTH_VERSION;
  out[1] = MODE_CODES[mode];
  view.setBigUint64(2, senderId);
  view.setBigUint64(10, counter);
  const header = out.subarray(0, AUTH_HEADER_LENGTH);
  if (mode === 'hmac-sha256') {
    out.set(payload, AUTH_HEADER_LENGTH);
    const tag = createHmac('sha256', keys.key)
      .update(out.subarray(0, AUTH_HEADER_LENGTH + payload.length))
      .digest();
    out.set(tag, AUTH_HEADER_LENGTH + payload.length);
    return out;
  }
  const iv = nonce(counter);
  const cipher =
    mode === 'aes-256-gcm'
      ? createCipheriv(mode, keys.key, iv, { authTagLength: 16 })
      : createCipheriv(mode, keys.key, iv, { authTagLength: 16 });
  cipher.setAAD(header);
  const body = cipher.update(payload);
  const rest = cipher.final();
  out.set(body, AUTH_HEADER_LENGTH);
  out.set(rest, AUTH_HEADER_LENGTH + body.length);
  out.set(cipher.getAuthTag(), AUTH_HEADER_LENGTH + payload.length);
  return out;
}

/** The header fields of a message that has the right length, version and mode (not yet authenticated). */
export interface ParsedHeader {
  readonly senderId: bigint;
  readonly counter: bigint;
}

/**
 * Why a message was rejected.
 *
 * @example
 * ```ts
 * const rejects = new Map<AuthRejectReason, number>();
 * verify(key, { onReject: (reason: AuthRejectReason) => rejects.set(reason, (rejects.get(reason) ?? 0) + 1) });
 * ```
 */
export type AuthRejectReason = 'truncated' | 'format' | 'forged' | 'replay';

/** Reads the header, or says why the message cannot be one of `mode`. */
export function parseHeader(message: Uint8Array, mode: AuthMode): ParsedHeader | AuthRejectReason {
  if (message.length < AUTH_HEADER_LENGTH + TAG_LENGTHS[mode]) return 'truncated';
  if (message[0] !== AUTH_VERSION || message[1] !== MODE_CODES[mode]) return 'format';
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return { senderId: view.getBigUint64(2), counter: view.getBigUint64(10) };
}

/** Checks the tag and returns the payload, or undefined when the message is forged or corrupted. */
export function openMessage(keys: SenderKeys, message: Uint8Array, counter: bigint): Uint8Array | undefined {
  const tagLength = TAG_LENGTHS[keys.mode];
  const end = message.length - tagLength;
  const tag = message.subarray(end);
  if (keys.mode === 'hmac-sha256') {
    const expected = createHmac('sha256', keys.key).update(message.subarray(0, end)).digest();
    return timingSafeEqual(expected, tag) ? message.subarray(AUTH_HEADER_LENGTH, end) : undefined;
  }
  try {
    const iv = nonce(counter);
    const decipher =
      keys.mode === 'aes-256-gcm'
        ? createDecipheriv(keys.mode, keys.key, iv, { authTagLength: 16 })
        : createDecipheriv(keys.mode, keys.key, iv, { authTagLength: 16 });
    decipher.setAAD(message.subarray(0, AUTH_HEADER_LENGTH));
    decipher.setAuthTag(tag);
    const body = decipher.update(message.subarray(AUTH_HEADER_LENGTH, end));
    const rest = finalWithoutStack(decipher);
    return rest.length === 0
      ? new Uint8Array(body.buffer, body.byteOffset, body.length)
      : Buffer.concat([body, rest]);
  } catch {
    return undefined;
  }
}

/**
 * `decipher.final()`, which throws on a wrong tag: the only way node:crypto reports a forgery. Its
 * error is caught and dropped at once, so capturing a stack trace for it (a third of the cost of
 * rejecting a forged datagram) buys nothing; the limit is restored before anything else runs.
 */
function finalWithoutStack(decipher: { final(): Buffer }): Buffer {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return decipher.final();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The bytes of a message, whichever shape it has. */
export function messageBytes(message: AuthMessage): Uint8Array {
  return message instanceof Uint8Array ? message : message.data;
}

/** The same shape as `like`, carrying `data`. */
export function withBytes<T extends AuthMessage>(like: T, data: Uint8Array): T {
  return (like instanceof Uint8Array ? data : { ...like, data }) as T;
}

export const MAX_COUNTER = U64_MAX;
