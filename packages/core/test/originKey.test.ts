import { type Endpoint, originKey, sameOrigin } from '@porta/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Spellings of a few addresses, so equal and unequal pairs both come up often. */
const spellings = [
  '127.0.0.1',
  '::ffff:127.0.0.1',
  '::FFFF:7f00:1',
  '0:0:0:0:0:ffff:127.0.0.1',
  '127.0.0.2',
  '::ffff:7f00:2',
  '::1',
  '0:0:0:0:0:0:0:1',
  '::2',
  'fe80::1%lo0',
  'FE80:0::1%lo0',
];

const anEndpoint = fc
  .record({
    address: fc.constantFrom(...spellings),
    port: fc.constantFrom(1060, 1061),
  })
  .map(({ address, port }): Endpoint => ({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' }));

describe('originKey', () => {
  it('is equal for two endpoints exactly when sameOrigin says they are the same', () => {
    fc.assert(
      fc.property(anEndpoint, anEndpoint, (a, b) => {
        expect(originKey(a) === originKey(b)).toBe(sameOrigin(a, b));
      }),
    );
  });
});
