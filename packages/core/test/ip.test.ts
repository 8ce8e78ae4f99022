import { endpoint, familyOf, InvalidArgumentError, sameOrigin } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../src/internal/ip.js';

const hex = (g: number, upper: boolean, pad: boolean): string => {
  const s = pad ? g.toString(16).padStart(4, '0') : g.toString(16);
  return upper ? s.toUpperCase() : s;
};

/** Eight random groups, written in full or with one run of them replaced by `::`. */
const anIpv6 = fc
  .record({
    groups: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
    upper: fc.boolean(),
    pad: fc.boolean(),
    // The run `::` stands for: groups [from, from + length), at least one; none when length is 0.
    from: fc.integer({ min: 0, max: 7 }),
    length: fc.integer({ min: 0, max: 8 }),
    ipv4Tail: fc.boolean(),
  })
  .map(({ groups, upper, pad, from, length, ipv4Tail }) => {
    const n = Math.min(length, 8 - from);
    const text = groups.map((g) => hex(g, upper, pad));
    // An IPv4 tail writes groups 6 and 7 as a dotted quad (kept out of the compressed run).
    const tail = ipv4Tail && from + n <= 6;
    const written = tail
      ? [...text.slice(0, 6), `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`]
      : text;
    const address =
      n === 0
        ? written.join(':')
        : `${written.slice(0, from).join(':')}::${written.slice(from + n).join(':')}`;
    // The groups the address stands for: the run compressed away becomes zeros.
    const expected = groups.map((g, i) => (i >= from && i < from + n ? 0 : g));
    return { address, expected };
  });

describe('IPv6 literals', () => {
  it('accepts every address formatted from 8 groups, full or ::-compressed, and parses it back', () => {
    fc.assert(
      fc.property(anIpv6, ({ address, expected }) => {
        expect(familyOf(address)).toBe('IPv6');
        expect(parseIpv6(address)?.groups).toEqual(expected);
        expect(endpoint(address, 0).family).toBe('IPv6');
        expect(familyOf(`${address}%eth0`)).toBe('IPv6');
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8',
    'fe80::1%eth0',
    'fe80::1%2',
    '::ffff:1.2.3.4',
    '::1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    '64:ff9b::192.0.2.33',
  ])('accepts %s', (address) => {
    expect(familyOf(address)).toBe('IPv6');
  });

  it.each([
    '::::',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1:2:3:4::5:6:7:8',
    ':1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7:8:',
    ':1::',
    '1:::2',
    '12345::',
    'g::1',
    '::1%',
    '::1%eth 0',
    '::ffff:256.1.2.3',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    '::a12.3.4.5',
    '1.2.3.4::',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3.4:5',
    ':',
    '',
  ])('refuses %j', (address) => {
    expect(familyOf(address)).toBeUndefined();
    expect(() => endpoint(address, 0)).toThrow(InvalidArgumentError);
  });

  it('keeps IPv4 and host names as before', () => {
    expect(familyOf('127.0.0.1')).toBe('IPv4');
    expect(familyOf('256.0.0.1')).toBeUndefined();
    expect(familyOf('localhost')).toBeUndefined();
  });

  it('compares malformed spellings by text only (filterOrigin no longer reads them as addresses)', () => {
    expect(sameOrigin(endpoint('::1', 7), { address: '0:0:0:0:0:0:0:1', port: 7, family: 'IPv6' })).toBe(
      true,
    );
    expect(sameOrigin(endpoint('::1', 7), { address: '::0:1::', port: 7, family: 'IPv6' })).toBe(false);
  });
});
