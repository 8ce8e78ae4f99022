import { addressMatcher, isPortaError } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('addressMatcher', () => {
  it('matches single addresses and CIDR ranges, IPv4 and IPv6', () => {
    const trusted = addressMatcher(['127.0.0.1', '10.0.0.0/8', '192.168.1.128/25', '::1', 'fd00::/8']);
    expect(trusted('127.0.0.1')).toBe(true);
    expect(trusted('127.0.0.2')).toBe(false);
    expect(trusted('10.255.0.9')).toBe(true);
    expect(trusted('11.0.0.0')).toBe(false);
    expect(trusted('192.168.1.200')).toBe(true);
    expect(trusted('192.168.1.127')).toBe(false);
    expect(trusted('::1')).toBe(true);
    expect(trusted('0:0:0:0:0:0:0:1')).toBe(true);
    expect(trusted('fdab::7')).toBe(true);
    expect(trusted('fe80::1')).toBe(false);
    expect(trusted('not an address')).toBe(false);
  });

  it('tests an IPv4-mapped IPv6 peer (a dual-stack socket) as the IPv4 address it maps', () => {
    const trusted = addressMatcher(['127.0.0.0/8']);
    expect(trusted('::ffff:127.0.0.3')).toBe(true);
    expect(trusted('::ffff:128.0.0.3')).toBe(false);
  });

  it('agrees with a bit-by-bit comparison for any IPv4 range', () => {
    const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (base, probe, bits) => {
        const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
        const expected = (toInt(base) & mask) >>> 0 === (toInt(probe) & mask) >>> 0;
        expect(addressMatcher([`${base}/${bits}`])(probe)).toBe(expected);
      }),
    );
  });

  it('refuses an entry that is not an address or range, naming it', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '10.0.0.0/', '10.0.0.0/08', '1.2.3']) {
      let error: unknown;
      try {
        addressMatcher([bad]);
      } catch (err) {
        error = err;
      }
      expect(isPortaError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect(String((error as Error).message)).toContain(`"${bad}"`);
    }
  });
});
