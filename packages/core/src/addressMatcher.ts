import { InvalidArgumentError } from './errors.js';
import { ipv4Bytes, ipv6Bytes } from './internal/ipBytes.js';

interface Range {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

/**
 * Builds a test for "is this address one of these?" from addresses and CIDR ranges
 * (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`), IPv4 and IPv6. An IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`, how a dual-stack socket reports an IPv4 peer) is tested as the IPv4 address
 * it maps. Throws `INVALID_ARGUMENT` naming the entry that is not an address or range, so a typo
 * in a trust list fails at start-up instead of trusting nobody (or everybody).
 *
 * @example
 * ```ts
 * const trusted = addressMatcher(['127.0.0.1', '10.0.0.0/8']);
 * trusted('10.20.30.40'); // true
 * trusted('::ffff:127.0.0.1'); // true
 * trusted('192.0.2.1'); // false
 * ```
 */
export function addressMatcher(ranges: readonly string[]): (address: string) => boolean {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const entry of ranges) {
    const slash = entry.indexOf('/');
    const text = slash < 0 ? entry : entry.slice(0, slash);
    const four = ipv4Bytes(text);
    const bytes = four ?? ipv6Bytes(text);
    const width = four ? 32 : 128;
    const bitsText = slash < 0 ? String(width) : entry.slice(slash + 1);
    const bits = /^(0|[1-9]\d{0,2})$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    if (bytes === undefined || !(bits <= width)) {
      throw new InvalidArgumentError(
        `"${entry}" is not an IP address or CIDR range (ADDRESS or ADDRESS/BITS, BITS up to 32 for IPv4, 128 for IPv6)`,
      );
    }
    (four ? v4 : v6).push({ bytes, bits });
  }
  return (address) => {
    const four = ipv4Bytes(address) ?? mappedIpv4(address);
    if (four) return v4.some((r) => inRange(four, r));
    const six = ipv6Bytes(address);
    return six !== undefined && v6.some((r) => inRange(six, r));
  };
}

function mappedIpv4(address: string): Uint8Array | undefined {
  const six = address.includes(':') ? ipv6Bytes(address) : undefined;
  if (six === undefined) return undefined;
  for (let i = 0; i < 10; i++) if (six[i] !== 0) return undefined;
  return six[10] === 0xff && six[11] === 0xff ? six.subarray(12) : undefined;
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  const full = range.bits >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === (range.bytes[full]! & mask);
}
