/**
 * TEA and XTEA as Go's `golang.org/x/crypto/tea` and `xtea` define them (big-endian words; kcp-go's
 * `tea` crypt asks for 16 rounds, i.e. 8 cycles; XTEA is 64 rounds), and CFB over any 8-byte block
 * cipher as kcp-go runs it. Node's crypto has neither cipher.
 * @internal
 */
export type Block8 = (v: Uint32Array) => void;

const DELTA = 0x9e3779b9;

function keyWords(key: Uint8Array): Uint32Array {
  const view = new DataView(key.buffer, key.byteOffset, 16);
  return Uint32Array.of(view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12));
}

/** @internal TEA with `rounds` (even) rounds, encrypting `v` = [v0, v1] in place. */
export function teaBlock(key: Uint8Array, rounds: number): Block8 {
  const [k0, k1, k2, k3] = keyWords(key) as unknown as [number, number, number, number];
  const cycles = rounds / 2;
  return (v) => {
    let v0 = v[0] as number;
    let v1 = v[1] as number;
    let sum = 0;
    for (let i = 0; i < cycles; i++) {
      sum = (sum + DELTA) >>> 0;
      v0 = (v0 + ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) >>> 0)) >>> 0;
      v1 = (v1 + ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) >>> 0)) >>> 0;
    }
    v[0] = v0;
    v[1] = v1;
  };
}

/** @internal XTEA (64 rounds), encrypting `v` = [v0, v1] in place. */
export function xteaBlock(key: Uint8Array): Block8 {
  const k = keyWords(key);
  const table = new Uint32Array(64);
  let sum = 0;
  for (let i = 0; i < 64; ) {
    table[i++] = (sum + (k[sum & 3] as number)) >>> 0;
    sum = (sum + DELTA) >>> 0;
    table[i++] = (sum + (k[(sum >>> 11) & 3] as number)) >>> 0;
  }
  return (v) => {
    let v0 = v[0] as number;
    let v1 = v[1] as number;
    for (let i = 0; i < 64; ) {
      v0 = (v0 + (((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (table[i++] as number)) >>> 0)) >>> 0;
      v1 = (v1 + (((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (table[i++] as number)) >>> 0)) >>> 0;
    }
    v[0] = v0;
    v[1] = v1;
  };
}

/**
 * Full-block CFB over an 8-byte block cipher from `iv` (its first 8 bytes), as kcp-go's
 * `encrypt8`/`decrypt8`: each ciphertext block is the plaintext XOR the encryption of the previous
 * ciphertext block; a short last block is XORed with the next register. Returns a new array.
 * @internal
 */
export function cfb8(block: Block8, iv: Uint8Array, input: Uint8Array, decrypt: boolean): Uint8Array {
  const output = new Uint8Array(input.length);
  const reg = new Uint32Array(2);
  const ivView = new DataView(iv.buffer, iv.byteOffset, 8);
  reg[0] = ivView.getUint32(0);
  reg[1] = ivView.getUint32(4);
  block(reg);
  const inView = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const outView = new DataView(output.buffer);
  const full = input.length - (input.length % 8);
  for (let i = 0; i < full; i += 8) {
    const c0: number = decrypt ? inView.getUint32(i) : (inView.getUint32(i) ^ (reg[0] as number)) >>> 0;
    const c1: number = decrypt
      ? inView.getUint32(i + 4)
      : (inView.getUint32(i + 4) ^ (reg[1] as number)) >>> 0;
    if (decrypt) {
      outView.setUint32(i, (c0 ^ (reg[0] as number)) >>> 0);
      outView.setUint32(i + 4, (c1 ^ (reg[1] as number)) >>> 0);
    } else {
      outView.setUint32(i, c0);
      outView.setUint32(i + 4, c1);
    }
    reg[0] = c0;
    reg[1] = c1;
    block(reg);
  }
  if (full < input.length) {
    const pad = new DataView(new ArrayBuffer(8));
    pad.setUint32(0, reg[0] as number);
    pad.setUint32(4, reg[1] as number);
    for (let i = full; i < input.length; i++) output[i] = (input[i] as number) ^ pad.getUint8(i - full);
  }
  return output;
}
