import { assertPort, type Endpoint, type Family, familyOf, InvalidArgumentError } from '@porta/core';
import { isHostName, refuseOption } from '@porta/core/transport';
import type { UdpDestination } from '../bindUdp.js';
import type { UdpSocketOptions } from '../udpSocketOptions.js';
import { DEFAULT_RECV_BUFFER_SIZE, MIN_BUFFER_SIZE } from './defaults.js';

/**
 * Checks an IP literal and returns its family. This is the check of a destination: a send never
 * resolves a host name (a lookup per datagram would be slow, and racy: the name may map to another
 * address between two sends, or to one of the other family). `bindUdp` and `connectUdp` resolve a
 * name once, before the socket exists: see {@link checkHost}.
 */
export function checkAddress(address: unknown, what: string): Family {
  if (typeof address !== 'string') {
    throw new InvalidArgumentError(`${what} must be an IPv4 or IPv6 address string, got ${typeof address}`);
  }
  const family = familyOf(address);
  if (family === undefined || (family === 'IPv6' && !isIPv6Literal(address))) {
    throw new InvalidArgumentError(
      `${what} "${address}" is not an IPv4 or IPv6 address (a send does not resolve host names: connect to the name, or resolve it once with resolveEndpoint from @porta/core/transport)`,
    );
  }
  return family;
}

/**
 * An address to bind or connect to: an IP literal (its family, checked as {@link checkAddress}
 * does) or a host name, `'name'`, looked up once before the socket is made.
 */
export function checkHost(address: unknown, what: string): Family | 'name' {
  if (typeof address === 'string' && familyOf(address) === undefined && isHostName(address)) return 'name';
  try {
    return checkAddress(address, what);
  } catch (err) {
    if (typeof address !== 'string') throw err;
    throw new InvalidArgumentError(`${what} "${address}" is neither an IPv4 or IPv6 address nor a host name`);
  }
}

/** `familyOf` only screens the characters; the WHATWG URL parser checks the IPv6 grammar in full. */
function isIPv6Literal(address: string): boolean {
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  if (zone >= 0 && zone === address.length - 1) return false;
  try {
    new URL(`udp://[${bare}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * True for an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in any spelling): on a dual-stack IPv6
 * socket such a destination is reached over IPv4, with IPv4's size limit. The cheap test comes
 * first, as this runs on every send of an IPv6 socket.
 */
export function isIPv4Mapped(address: string): boolean {
  if (!/ffff/i.test(address) || address.includes('%')) return false;
  try {
    // The WHATWG parser writes every spelling in one canonical form: `[::ffff:7f00:1]`.
    return /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(new URL(`udp://[${address}]/`).hostname);
  } catch {
    return false;
  }
}

/** A port to bind: 0..65535, 0 meaning "any free port". */
export function checkLocalPort(port: unknown, what = 'port'): number {
  return assertPort(port as number, what);
}

/** A port to send to or connect to: 1..65535 (nothing can be reached at port 0). */
export function checkRemotePort(port: unknown, what = 'remote port'): number {
  assertPort(port as number, what);
  if (port === 0) refuseOption(what, 'from 1 to 65535', port);
  return port as number;
}

/** The family a socket will have: inferred from the address, and consistent with an explicit one. */
export function resolveFamily(address: string, explicit: Family | undefined, what: string): Family {
  const family = checkAddress(address, what);
  if (explicit !== undefined && explicit !== family) {
    throw new InvalidArgumentError(`${what} "${address}" is ${family} but family ${explicit} was requested`);
  }
  return family;
}

/** Buffer sizes checked before any socket exists, with porta's defaults applied. */
export interface BufferPlan {
  readonly recvBufferSize: number;
  readonly sendBufferSize: number | undefined;
}

export function planBuffers(options: UdpSocketOptions): BufferPlan {
  const recv = options.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE;
  checkBufferSize(recv, 'recvBufferSize');
  if (options.sendBufferSize !== undefined) checkBufferSize(options.sendBufferSize, 'sendBufferSize');
  return { recvBufferSize: recv, sendBufferSize: options.sendBufferSize };
}

function checkBufferSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < MIN_BUFFER_SIZE) {
    refuseOption(what, `an integer of at least ${MIN_BUFFER_SIZE} bytes (one maximum-size datagram)`, size);
  }
}

/**
 * Endpoints porta built itself from the OS's answers (frozen), by identity: a server replying to the
 * sender's Endpoint skips the checks. Callers' objects are checked on every send, as they may change.
 */
const checkedDestinations = new WeakSet<object>();

/** Checks a destination for a socket of `family`. */
export function checkDestination(to: UdpDestination, family: Family): void {
  if (checkedDestinations.has(to) && (to as Endpoint).family === family) return;
  if (typeof to !== 'object' || to === null) {
    throw new InvalidArgumentError(`destination must be { address, port }, got ${String(to)}`);
  }
  checkRemotePort(to.port, 'destination port');
  const destinationFamily = checkAddress(to.address, 'destination address');
  if (destinationFamily !== family) {
    throw new InvalidArgumentError(
      `cannot send to ${destinationFamily} address ${to.address} from an ${family} socket`,
    );
  }
}

/** Marks an Endpoint porta built itself (from the OS) as a valid destination for its family. */
export function trustEndpoint(e: Endpoint): Endpoint {
  checkedDestinations.add(e);
  return e;
}

/** Refuses anything that is not bytes. */
export function checkPayload(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`datagram payload must be a Uint8Array, got ${typeof data}`);
  }
}
