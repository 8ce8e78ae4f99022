import { isBrandedInstance, PORTA_ERROR } from '../internal/errorBrand.js';

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
    // Replaced below. `this`, not the class's name: a class body that names itself is renamed by
    // the bundler (`_PortaError`), and the brand matches classes by name.
    // biome-ignore lint/complexity/noThisInStatic: see above
    return isBrandedInstance(this, value);
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
