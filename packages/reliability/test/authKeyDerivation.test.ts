import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { deriveSenderKeys } from '../src/auth/authWireFormat.js';
import { type AuthMode, verify } from '../src/index.js';

/** The wire format's documented derivation, written with node's one-shot HKDF. */
function referenceKey(key: Uint8Array, mode: AuthMode, senderId: bigint): Uint8Array {
  const info = Buffer.alloc(14 + mode.length + 8);
  info.write(`porta-auth v1 ${mode}`);
  info.writeBigUInt64BE(senderId, 14 + mode.length);
  return new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), info, 32));
}

/** Seals a message as the wire format describes, independently of sealMessage. */
function sealByHand(key: Uint8Array, mode: AuthMode, senderId: bigint, counter: bigint, payload: Uint8Array) {
  const header = Buffer.alloc(18);
  header[0] = 1;
  header[1] = mode === 'aes-256-gcm' ? 2 : 3;
  header.writeBigUInt64BE(senderId, 2);
  header.writeBigUInt64BE(counter, 10);
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(counter, 4);
  const cipher = createCipheriv(mode as 'aes-256-gcm', referenceKey(key, mode, senderId), iv, {
    authTagLength: 16,
  });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(payload), cipher.final()]);
  return new Uint8Array(Buffer.concat([header, body, cipher.getAuthTag()]));
}

describe('AEAD sender keys (one HMAC per sender id, same bytes as HKDF-SHA-256)', () => {
  it('every derived key equals RFC 5869 HKDF-SHA-256 with the documented info', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom<AuthMode>('aes-256-gcm', 'chacha20-poly1305'),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (key, mode, senderId) => {
          expect(deriveSenderKeys(key, mode, senderId).key).toEqual(referenceKey(key, mode, senderId));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('verify accepts messages sealed by hand with the HKDF key, and rejects a flood of fresh-id forgeries', () => {
    for (const mode of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
      const key = randomBytes(32);
      const check = verify(key, { mode });
      const genuine = [1n, 2n, 3n].map((c) => sealByHand(key, mode, 0xabcdefn, c, Buffer.from(`m${c}`)));
      const forged = Array.from({ length: 500 }, () => {
        const m = randomBytes(18 + 8 + 16);
        m[0] = 1;
        m[1] = mode === 'aes-256-gcm' ? 2 : 3;
        return m;
      });
      const out: string[] = [];
      from([...forged.slice(0, 250), ...genuine, ...forged.slice(250)])
        .pipe(check)
        .subscribe((p) => out.push(Buffer.from(p as Uint8Array).toString()));
      expect(out, mode).toEqual(['m1', 'm2', 'm3']);
      expect(check.stats.rejected.forged, mode).toBe(500);
      // The limit the rejection path lowers for a moment is back.
      expect(Error.stackTraceLimit).toBeGreaterThan(0);
    }
  });
});
