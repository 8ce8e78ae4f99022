/**
 * porta's errors: one base class, one subclass per failure, each with a literal `code` a caller can
 * branch on (`err.code === 'FRAME_TOO_LONG'`) and a message that carries the facts (port, counts,
 * raw header bytes).
 *
 * @example
 * ```ts
 * conn.bytes.pipe(lengthField()).subscribe({
 *   error: (err) => {
 *     if (isPortaError(err) && err.code === 'FRAME_TOO_LONG') console.error(err.message);
 *   },
 * });
 * ```
 * @module
 */
import { isBrandedInstance, PORTA_ERROR } from './internal/errorBrand.js';

/** Every code a {@link PortaError} can carry. */
export type PortaErrorCode =
  | 'FRAME_TOO_LONG'
  | 'CORRUPT_FRAME'
  | 'TRUNCATED'
  | 'DECODE'
  | 'ENCODE'
  | 'INVALID_ARGUMENT'
  | 'ADDRESS_IN_USE'
  | 'ADDRESS_NOT_AVAILABLE'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'CONNECTION_LIMIT'
  | 'PORT_UNREACHABLE'
  | 'DATAGRAM_TOO_LARGE'
  | 'SERVER_UNREACHABLE'
  | 'TIMEOUT'
  | 'AUTH'
  | 'REPLAY'
  | 'MAILBOX_OVERFLOW'
  | 'PENDING_LIMIT'
  | 'ACTOR_FAILED'
  | 'SOCKET_CLOSED'
  | 'TLS'
  | 'PROXY_PROTOCOL'
  | 'SOCKET'
  | 'KCP_DEAD_LINK'
  | 'KCP_MALFORMED'
  | 'SMUX_PROTOCOL'
  | 'SMUX_TIMEOUT'
  | 'ABORT_ERR'
  | 'DNS_LOOKUP_FAILED';

/**
 * Base class of every error porta raises. Branch on `code`, read `message` for the facts.
 *
 * `instanceof` (of this class and of every subclass) and {@link isPortaError} recognise an error
 * made by another copy of porta too, such as its CJS build beside its ESM build: the classes carry
 * a `Symbol.for` brand and check it in a static `Symbol.hasInstance`, as undici does.
 *
 * @example
 * ```ts
 * bindUdp({ port: 1060 }).subscribe({
 *   error: (err: unknown) => {
 *     if (err instanceof PortaError && err.code === 'ADDRESS_IN_USE') console.error(err.message); // names the port
 *   },
 * });
 * ```
 */
export class PortaError<C extends PortaErrorCode = PortaErrorCode> extends Error {
  /** True for an error of this class (or a subclass) made by any copy of porta. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBrandedInstance(PortaError, value);
  }

  override readonly name: string = 'PortaError';
  readonly code: C;

  /** The brand {@link PortaError}'s `Symbol.hasInstance` looks for, on the prototype. */
  get [PORTA_ERROR](): true {
    return true;
  }

  constructor(code: C, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// Defined outside the class body: the bundler rewrites `this` in a static method to the class's own
// binding, which would make every subclass's `instanceof` answer for PortaError.
Object.defineProperty(PortaError, Symbol.hasInstance, {
  value: function hasInstance(this: typeof PortaError, value: unknown): boolean {
    return isBrandedInstance(this, value);
  },
});

/**
 * True when `value` is a {@link PortaError} (optionally with the given code), from any copy of porta;
 * with a code, it narrows `value` to the error of that code.
 *
 * @example
 * ```ts
 * connectTcp({ host: '127.0.0.1', port: 1060 }).subscribe({
 *   error: (err: unknown) => isPortaError(err, 'CONNECTION_REFUSED') && console.error('is the server running?'),
 * });
 * ```
 */
export function isPortaError<C extends PortaErrorCode>(value: unknown, code?: C): value is PortaError<C> {
  return value instanceof PortaError && (code === undefined || value.code === code);
}

/**
 * Formats bytes as hex for error messages (`0a ff 00`), shortened past `limit` bytes.
 *
 * @example
 * ```ts
 * hexPreview(Uint8Array.of(10, 255, 0)); // '0a ff 00'
 * hexPreview(new Uint8Array(100), 2); // '00 00 … (100 bytes)'
 * ```
 */
export function hexPreview(bytes: Uint8Array, limit = 16): string {
  const shown = Array.from(bytes.subarray(0, limit), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > limit ? `${shown} … (${bytes.length} bytes)` : shown;
}

/**
 * A frame's declared or accumulated length exceeds its `maxFrameLength`. `header` holds the bytes shown
 * in the message, and `label` says what they are: `'raw header'` (default) for a length field's header,
 * `'first bytes'` for the start of a frame that has no header (a line, a delimited frame).
 */
export class FrameTooLongError extends PortaError<'FRAME_TOO_LONG'> {
  override readonly name = 'FrameTooLongError';
  constructor(
    readonly length: number,
    readonly maxFrameLength: number,
    readonly header?: Uint8Array,
    label = 'raw header',
  ) {
    super(
      'FRAME_TOO_LONG',
      `frame of ${length} bytes exceeds maxFrameLength ${maxFrameLength}` +
        (header ? ` (${label}: ${hexPreview(header)})` : ''),
    );
  }
}

/** A frame header is inconsistent (negative length, adjusted length shorter than the header, …). */
export class CorruptFrameError extends PortaError<'CORRUPT_FRAME'> {
  override readonly name = 'CorruptFrameError';
  constructor(
    message: string,
    readonly header?: Uint8Array,
  ) {
    super('CORRUPT_FRAME', header ? `${message} (raw header: ${hexPreview(header)})` : message);
  }
}

/** The stream ended in the middle of a frame: the course's EOFError. */
export class TruncatedError extends PortaError<'TRUNCATED'> {
  override readonly name = 'TruncatedError';
  constructor(
    readonly expected: number | undefined,
    readonly received: number,
    what = 'frame',
  ) {
    super(
      'TRUNCATED',
      expected === undefined
        ? `stream ended inside a ${what}: ${received} bytes received before the socket closed`
        : `expected ${expected} bytes but received only ${received} before the socket closed`,
    );
  }
}

/** Bytes could not be decoded as the requested format (e.g. non-ASCII under strict ASCII). */
export class DecodeError extends PortaError<'DECODE'> {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super('DECODE', message);
  }
}

/** A value cannot be carried by the wire format (e.g. a frame too long for its length field). */
export class EncodeError extends PortaError<'ENCODE'> {
  override readonly name = 'EncodeError';
  constructor(message: string) {
    super('ENCODE', message);
  }
}

/** A caller passed an argument porta cannot use (a port of 65536, a malformed address, …). */
export class InvalidArgumentError extends PortaError<'INVALID_ARGUMENT'> {
  override readonly name = 'InvalidArgumentError';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Describes an address for messages: `127.0.0.1:1060`, `[::1]:1060`. */
function where(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** BIND/LISTEN failed because another socket holds the port (EADDRINUSE). */
export class AddressInUseError extends PortaError<'ADDRESS_IN_USE'> {
  override readonly name = 'AddressInUseError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super('ADDRESS_IN_USE', `port ${port} is already in use (${where(address, port)})`, options);
  }
}

/** BIND failed because the address is not on this machine (EADDRNOTAVAIL). */
export class AddressNotAvailableError extends PortaError<'ADDRESS_NOT_AVAILABLE'> {
  override readonly name = 'AddressNotAvailableError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'ADDRESS_NOT_AVAILABLE',
      `address ${where(address, port)} is not available on this machine`,
      options,
    );
  }
}

/** CONNECT was refused: nothing listens there (ECONNREFUSED). */
export class ConnectionRefusedError extends PortaError<'CONNECTION_REFUSED'> {
  override readonly name = 'ConnectionRefusedError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'CONNECTION_REFUSED',
      `connection to ${where(address, port)} was refused (nothing listening?)`,
      options,
    );
  }
}

/** The peer reset the connection (ECONNRESET / EPIPE). */
export class ConnectionResetError extends PortaError<'CONNECTION_RESET'> {
  override readonly name = 'ConnectionResetError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('CONNECTION_RESET', message, options);
  }
}

/** A server refused a connection because it already serves its maximum. */
export class ConnectionLimitError extends PortaError<'CONNECTION_LIMIT'> {
  override readonly name = 'ConnectionLimitError';
  constructor(readonly limit: number) {
    super(
      'CONNECTION_LIMIT',
      `connection refused: the server already has its maximum of ${limit} connections`,
    );
  }
}

/** ICMP port unreachable on a connected UDP socket (ECONNREFUSED on send/recv). */
export class PortUnreachableError extends PortaError<'PORT_UNREACHABLE'> {
  override readonly name = 'PortUnreachableError';
  constructor(
    readonly address: string,
    readonly port: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      'PORT_UNREACHABLE',
      `${where(address, port)} is unreachable: nothing listens on that UDP port`,
      options,
    );
  }
}

/** A datagram larger than the transport can carry (65,507 bytes over IPv4, 65,527 over IPv6). */
export class DatagramTooLargeError extends PortaError<'DATAGRAM_TOO_LARGE'> {
  override readonly name = 'DatagramTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('DATAGRAM_TOO_LARGE', `datagram of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

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

/** A request/response client already has its maximum of requests pending (sent or queued). */
export class PendingLimitError extends PortaError<'PENDING_LIMIT'> {
  override readonly name = 'PendingLimitError';
  constructor(readonly limit: number) {
    super('PENDING_LIMIT', `request refused: ${limit} requests are already pending (maxPending)`);
  }
}

/** An operation on a socket that is already closed. */
export class SocketClosedError extends PortaError<'SOCKET_CLOSED'> {
  override readonly name = 'SocketClosedError';
  constructor(message = 'the socket is closed') {
    super('SOCKET_CLOSED', message);
  }
}

/** Any other socket failure, wrapping the system error (`cause`) and its errno code. */
export class SocketError extends PortaError<'SOCKET'> {
  override readonly name = 'SocketError';
  constructor(
    message: string,
    readonly syscallCode?: string,
    options?: { readonly cause?: unknown },
  ) {
    super('SOCKET', message, options);
  }
}

/**
 * A PROXY protocol header (HAProxy's v1 text line or v2 binary block) was malformed, too long,
 * truncated, too slow, or arrived from a source that is not trusted to send one. `received` holds
 * the first bytes seen (also shown in the message), so a log names what the peer really sent.
 */
export class ProxyProtocolError extends PortaError<'PROXY_PROTOCOL'> {
  override readonly name = 'ProxyProtocolError';
  constructor(
    readonly reason: string,
    readonly received?: Uint8Array,
  ) {
    super(
      'PROXY_PROTOCOL',
      `PROXY protocol: ${reason}` +
        (received && received.length > 0 ? ` (first bytes: ${hexPreview(received)})` : ''),
    );
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
