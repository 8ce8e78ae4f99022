/**
 * IP literal parsing, in one place: `familyOf` (and so `endpoint()`, and the udp/tcp option checks)
 * and `filterOrigin`'s address comparison must agree on what an address is.
 */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted-quad IPv4, decimal octets without leading zeros (`01.2.3.4` is ambiguous: octal to some). */
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
/** A zone id (`fe80::1%eth0`, `%2`): an interface name or index, never empty. */
const ZONE = /^[\w.-]+$/;

/** True when `address` is a dotted-quad IPv4 literal. */
export function isIpv4(address: string): boolean {
  return IPV4.test(address);
}

/** An IPv6 literal parsed: its eight 16-bit groups, and its zone id (`''` when none). */
export interface Ipv6Address {
  readonly groups: readonly number[];
  readonly zone: string;
}

/**
 * Parses an IPv6 literal (RFC 4291 §2.2 text forms: eight groups, one `::` standing for one or more
 * zero groups, an IPv4 tail in place of the last two groups) with an optional `%zone`.
 * `undefined` for anything else: a second `::`, a group of five digits, nine groups, …
 */
export function parseIpv6(address: string): Ipv6Address | undefined {
  const percent = address.indexOf('%');
  const zone = percent >= 0 ? address.slice(percent + 1) : '';
  if (percent >= 0 && !ZONE.test(zone)) return undefined;
  const text = percent >= 0 ? address.slice(0, percent) : address;
  if (!text.includes(':')) return undefined;

  // An IPv4 tail (`::ffff:1.2.3.4`) follows the last colon and counts as two groups.
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!IPV4.test(last)) return undefined;
    const b = last.split('.').map(Number);
    tail = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    // Keep the colon when it is half of a `::` (`::1.2.3.4`), drop it otherwise (`1:…:6:1.2.3.4`).
    head = text.slice(0, text[lastColon - 1] === ':' ? lastColon + 1 : lastColon);
  }

  const want = 8 - tail.length;
  const halves = head.split('::');
  let groups: number[] | undefined;
  if (halves.length === 1) {
    groups = parseGroups(head);
    if (groups?.length !== want) return undefined;
  } else if (halves.length === 2) {
    const left = parseGroups(halves[0]!);
    const right = parseGroups(halves[1]!);
    // `::` stands for at least one group, so the written ones must leave room for it.
    if (left === undefined || right === undefined || left.length + right.length >= want) return undefined;
    groups = [...left, ...new Array<number>(want - left.length - right.length).fill(0), ...right];
  } else {
    return undefined;
  }
  return { groups: [...groups, ...tail], zone };
}

/** Colon-separated hex groups (`''` is none), or `undefined` when one is empty or malformed. */
function parseGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  for (const g of part.split(':')) {
    if (!HEX_GROUP.test(g)) return undefined;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}
