import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packetCfb } from '../../src/kcp/crypt/packetCfb.js';

const ALGORITHMS = [
  ['aes-256-cfb', 32, 16],
  ['aes-128-cfb', 16, 16],
  ['aes-192-cfb', 24, 16],
  ['des-ede3-cfb', 24, 8],
  ['sm4-cfb', 16, 16],
] as const;

describe('packetCfb (long-lived ciphers, the register reset before each packet)', () => {
  it.each(
    ALGORITHMS,
  )('%s gives, packet after packet, what a fresh node:crypto cipher per packet gives', (algorithm, keyLength, blockLength) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength, maxLength: keyLength }),
        fc.uint8Array({ minLength: blockLength, maxLength: blockLength }),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 1500 }), { minLength: 1, maxLength: 12 }),
        (key, iv, packets) => {
          const cfb = packetCfb(algorithm, key, iv);
          for (const packet of packets) {
            const sealed = cfb.encrypt(packet);
            expect(sealed).toEqual(new Uint8Array(createCipheriv(algorithm, key, iv).update(packet)));
            // Decrypting a packet (or random bytes) gives what a fresh decipher gives.
            expect(cfb.decrypt(sealed)).toEqual(packet);
            expect(cfb.decrypt(packet)).toEqual(
              new Uint8Array(createDecipheriv(algorithm, key, iv).update(packet)),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('grows its scratch for a packet longer than 2 KiB, and keeps going', () => {
    const key = new Uint8Array(32).fill(7);
    const iv = new Uint8Array(16).fill(9);
    const cfb = packetCfb('aes-256-cfb', key, iv);
    for (const length of [10, 5000, 17, 70000, 3]) {
      const packet = new Uint8Array(length).map((_, i) => i * 31);
      const fresh = new Uint8Array(createCipheriv('aes-256-cfb', key, iv).update(packet));
      expect(cfb.encrypt(packet)).toEqual(fresh);
      expect(cfb.decrypt(fresh)).toEqual(packet);
    }
  });
});
