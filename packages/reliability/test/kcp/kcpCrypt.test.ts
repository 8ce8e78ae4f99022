import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KCP_CRYPTS, kcpBlockCrypt, kcptunKey } from '../../src/kcp/crypt/kcpCrypt.js';
import { kcpGoPacketLayer } from '../../src/kcp/kcpPacketLayer.js';

const IV = Uint8Array.of(167, 115, 79, 156, 18, 172, 27, 1, 164, 21, 242, 193, 252, 120, 230, 107);
const key = kcptunKey("it's a secrect");

describe("kcp-go's block crypts", () => {
  it("derives kcptun's key: PBKDF2-SHA1 of --key, salt kcp-go, 4096 rounds, 32 bytes", () => {
    expect(key.length).toBe(32);
    expect(kcptunKey("it's a secrect")).toEqual(key);
    expect(kcptunKey('other')).not.toEqual(key);
  });

  it.each(KCP_CRYPTS)('%s decrypts what it encrypts, for any packet length', (name) => {
    const crypt = kcpBlockCrypt(name, key);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1500 }), (packet) => {
        const sealed = crypt.encrypt(packet.slice());
        expect(sealed.length).toBe(packet.length);
        expect(crypt.decrypt(sealed)).toEqual(packet);
        if (name !== 'none' && packet.length >= 32) expect(sealed).not.toEqual(packet);
      }),
      { numRuns: 60 },
    );
  });

  it("aes is kcp-go's CFB: each block XORs AES(previous ciphertext block), from kcp-go's IV", () => {
    // An independent model of kcp-go's encrypt16, block by block on AES-256-ECB.
    const ecb = (block: Uint8Array) => {
      const c = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
      return new Uint8Array(c.update(block));
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (packet) => {
        const expected = new Uint8Array(packet.length);
        let register = ecb(IV);
        for (let at = 0; at < packet.length; at += 16) {
          const end = Math.min(packet.length, at + 16);
          for (let i = at; i < end; i++) expected[i] = (packet[i] as number) ^ (register[i - at] as number);
          if (end - at === 16) register = ecb(expected.subarray(at, end));
        }
        expect(kcpBlockCrypt('aes', key).encrypt(packet)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('salsa20 sends the first 8 bytes (its nonce) in clear and encrypts the rest', () => {
    const packet = new Uint8Array(64).map((_, i) => i);
    const sealed = kcpBlockCrypt('salsa20', key).encrypt(packet);
    expect(sealed.subarray(0, 8)).toEqual(packet.subarray(0, 8));
    expect(sealed.subarray(8)).not.toEqual(packet.subarray(8));
  });

  it('refuses a crypt it does not have with INVALID_ARGUMENT naming those it has, and a short key', () => {
    for (const name of ['blowfish', 'twofish', 'cast5', 'rot13']) {
      expect(() => kcpBlockCrypt(name as 'aes', key)).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: expect.stringContaining('salsa20, xor, none'),
        }),
      );
    }
    expect(() => kcpBlockCrypt('aes', new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe("kcp-go's packet layer with a cipher", () => {
  it('opens what it seals, for every crypt; another key reads as a CRC32 mismatch (KCP_MALFORMED)', () => {
    for (const crypt of KCP_CRYPTS) {
      const layer = kcpGoPacketLayer({ crypt, key: 'k3y' });
      const stranger = kcpGoPacketLayer({ crypt, key: 'not the key' });
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 24, maxLength: 400 }), (segments) => {
          const packet = new Uint8Array(20 + segments.length);
          packet.set(segments, 20);
          const sealed = layer.seal(packet);
          expect(layer.open(sealed)).toEqual(segments);
          if (crypt !== 'none') {
            expect(() => stranger.open(sealed)).toThrow(expect.objectContaining({ code: 'KCP_MALFORMED' }));
          }
        }),
        { numRuns: 20 },
      );
    }
  });
});
