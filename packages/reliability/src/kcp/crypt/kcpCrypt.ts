import { pbkdf2Sync } from 'node:crypto';
import { InvalidArgumentError } from '@porta/core';
import { packetCfb } from './packetCfb.js';
import { salsa20Xor } from './salsa20.js';
import { cfb8, teaBlock, xteaBlock } from './teaCiphers.js';

/**
 * kcptun's `--crypt` names porta implements, each exactly as kcp-go encrypts a packet (kcp-go
 * `crypt.go` v5.6.1, kcptun 20210922 `main.go` for the key each one takes).
 *
 * - `aes` (AES-256), `aes-128`, `aes-192`, `3des`, `sm4`: node:crypto's CFB (`aes-256-cfb`,
 *   `des-ede3-cfb`, `sm4-cfb`), which is kcp-go's own CFB — full-block feedback from kcp-go's fixed
 *   IV, a short last block XORed — over the whole packet (nonce, CRC32 and segments); through
 *   long-lived cipher objects, not one per packet (see `packetCfb`).
 * - `tea` (16 rounds), `xtea`: the same CFB over porta's own TEA/XTEA (Node has neither).
 * - `salsa20`: porta's own Salsa20/20 keyed by the 32-byte key, its nonce the packet's first 8
 *   bytes (sent in clear), over the rest.
 * - `xor`: XOR with a 1500-byte table, PBKDF2-SHA1(key, kcp-go's salt, 32 rounds).
 * - `none`: the packet as it is (the nonce and CRC32 are still there).
 *
 * kcptun's `blowfish`, `twofish` and `cast5` are refused: OpenSSL 3 keeps Blowfish and CAST5 in
 * its legacy provider (Node does not load it) and has no Twofish.
 */
export const KCP_CRYPTS = [
  'aes',
  'aes-128',
  'aes-192',
  '3des',
  'sm4',
  'tea',
  'xtea',
  'salsa20',
  'xor',
  'none',
] as const;

/** One of {@link KCP_CRYPTS}. */
export type KcpCryptName = (typeof KCP_CRYPTS)[number];

/** kcptun's `--key` default. */
export const KCPTUN_DEFAULT_KEY = "it's a secrect";

/**
 * kcp-go's packet cipher: turns a whole packet into what goes on the wire and back. Both return a
 * new array except `none`, which returns its argument.
 *
 * @example
 * ```ts
 * const crypt = kcpBlockCrypt('aes', kcptunKey("it's a secrect"));
 * const wire = crypt.encrypt(new Uint8Array(44)); // nonce, CRC32, segments
 * ```
 */
export interface KcpBlockCrypt {
  readonly name: KcpCryptName;
  encrypt(packet: Uint8Array): Uint8Array;
  decrypt(packet: Uint8Array): Uint8Array;
}

/** kcp-go's CFB IV (`crypt.go`: `initialVector`). */
const IV = Uint8Array.of(167, 115, 79, 156, 18, 172, 27, 1, 164, 21, 242, 193, 252, 120, 230, 107);
const XOR_SALT = 'sH3CIVoF#rWLtJo6';
const MTU_LIMIT = 1500;

/**
 * The 32-byte key kcptun derives from `--key`: PBKDF2-HMAC-SHA1, salt `kcp-go`, 4096 rounds.
 *
 * @example
 * ```ts
 * const key = kcptunKey("it's a secrect"); // kcptun's default --key
 * ```
 */
export function kcptunKey(passphrase: string): Uint8Array {
  return new Uint8Array(pbkdf2Sync(passphrase, 'kcp-go', 4096, 32, 'sha1'));
}

/**
 * The cipher kcptun's `--crypt name` builds from its 32-byte derived `key` (see {@link kcptunKey}),
 * taking the key prefix kcptun gives each (16 bytes for aes-128, sm4, tea, xtea; 24 for aes-192,
 * 3des; all 32 otherwise).
 *
 * @throws {@link @porta/core!InvalidArgumentError} for a name not in {@link KCP_CRYPTS} (the
 *   message lists them) or a key shorter than 32 bytes.
 * @example
 * ```ts
 * const crypt = kcpBlockCrypt('salsa20', kcptunKey('secret'));
 * ```
 */
export function kcpBlockCrypt(name: KcpCryptName, key: Uint8Array): KcpBlockCrypt {
  if (!(KCP_CRYPTS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `kcp-go crypt '${String(name)}' is not implemented; porta has: ${KCP_CRYPTS.join(', ')}` +
        (['blowfish', 'twofish', 'cast5'].includes(name)
          ? ' (Node has no Blowfish, Twofish or CAST5 without OpenSSL legacy ciphers)'
          : ''),
    );
  }
  if (!(key instanceof Uint8Array) || key.length < 32) {
    throw new InvalidArgumentError(
      `kcp-go crypt key must be 32 bytes (kcptunKey gives them), got ${key?.length}`,
    );
  }
  switch (name) {
    case 'aes':
      return nodeCfb(name, 'aes-256-cfb', key.subarray(0, 32), IV);
    case 'aes-128':
      return nodeCfb(name, 'aes-128-cfb', key.subarray(0, 16), IV);
    case 'aes-192':
      return nodeCfb(name, 'aes-192-cfb', key.subarray(0, 24), IV);
    case '3des':
      return nodeCfb(name, 'des-ede3-cfb', key.subarray(0, 24), IV.subarray(0, 8));
    case 'sm4':
      return nodeCfb(name, 'sm4-cfb', key.subarray(0, 16), IV);
    case 'tea': {
      const block = teaBlock(key.subarray(0, 16), 16);
      return {
        name,
        encrypt: (p) => cfb8(block, IV, p, false),
        decrypt: (p) => cfb8(block, IV, p, true),
      };
    }
    case 'xtea': {
      const block = xteaBlock(key.subarray(0, 16));
      return {
        name,
        encrypt: (p) => cfb8(block, IV, p, false),
        decrypt: (p) => cfb8(block, IV, p, true),
      };
    }
    case 'salsa20': {
      const k = key.slice(0, 32);
      const salsa = (p: Uint8Array): Uint8Array => {
        const out = new Uint8Array(p.length);
        out.set(p.subarray(0, 8));
        if (p.length > 8) salsa20Xor(k, p.subarray(0, 8), p.subarray(8), out.subarray(8));
        return out;
      };
      return { name, encrypt: salsa, decrypt: salsa };
    }
    case 'xor': {
      const table = new Uint8Array(pbkdf2Sync(key.subarray(0, 32), XOR_SALT, 32, MTU_LIMIT, 'sha1'));
      const xor = (p: Uint8Array): Uint8Array => {
        const out = new Uint8Array(p);
        const n = Math.min(p.length, table.length);
        for (let i = 0; i < n; i++) out[i] = (out[i] as number) ^ (table[i] as number);
        return out;
      };
      return { name, encrypt: xor, decrypt: xor };
    }
    case 'none':
      return { name, encrypt: (p) => p, decrypt: (p) => p };
  }
}

function nodeCfb(name: KcpCryptName, algorithm: string, key: Uint8Array, iv: Uint8Array): KcpBlockCrypt {
  const cfb = packetCfb(algorithm, key, iv);
  return { name, encrypt: (p) => cfb.encrypt(p), decrypt: (p) => cfb.decrypt(p) };
}
