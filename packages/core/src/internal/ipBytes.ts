/**
 * IP addresses as network-order bytes and back, for wire formats that carry them raw (PROXY v2)
 * and for range checks (CIDR). Text is parsed by `ip.ts`, so every part of porta agrees on what
 * an address is.
 */
import { isIpv4, parseIpv6 } from './ip.js';

/** The 4 bytes of a dotted-quad IPv4 literal, or `undefined` when it is not one. */
export function ipv4Bytes(address: string): Uint8Array | undefined {
  if (!isIpv4(address)) return undefined;
  return Uint8Array.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 literal (any RFC 4291 text form, no zone), or `undefined`. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const parsed = parseIpv6(address);
  if (parsed === undefined || parsed.zone !== '') return undefined;
  const out = new Uint8Array(16);
  parsed.groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Dotted-quad text of 4 bytes at `offset`. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * RFC 5952 text of 16 bytes at `offset`: lower-case hex, no leading zeros, the longest run of two or
 * more zero groups (the first on a tie) written `::`. The same text `new URL('http://[…]')` gives.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The canonical text of an IPv6 literal (what {@link formatIpv6} prints), or `undefined`. */
export function canonicalIpv6(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  return bytes && formatIpv6(bytes);
}
