/**
 * Salsa20/20 (Bernstein) with a 32-byte key and an 8-byte nonce, block counter from 0 — what Go's
 * `golang.org/x/crypto/salsa20.XORKeyStream` computes, which kcp-go's `salsa20` crypt uses. Node's
 * crypto has ChaCha20 but not Salsa20, hence this one.
 * @internal
 */
export function salsa20Xor(key: Uint8Array, nonce: Uint8Array, input: Uint8Array, output: Uint8Array): void {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(nonce.buffer, nonce.byteOffset, 8);
  const state = new Uint32Array(16);
  state[0] = 0x61707865;
  state[5] = 0x3320646e;
  state[10] = 0x79622d32;
  state[15] = 0x6b206574;
  for (let i = 0; i < 4; i++) {
    state[1 + i] = k.getUint32(i * 4, true);
    state[11 + i] = k.getUint32(16 + i * 4, true);
  }
  state[6] = n.getUint32(0, true);
  state[7] = n.getUint32(4, true);
  const x = new Uint32Array(16);
  const block = new Uint8Array(64);
  const blockWords = new DataView(block.buffer);
  for (let offset = 0; offset < input.length; offset += 64) {
    core(state, x);
    for (let i = 0; i < 16; i++)
      blockWords.setUint32(i * 4, ((x[i] as number) + (state[i] as number)) >>> 0, true);
    const end = Math.min(64, input.length - offset);
    for (let i = 0; i < end; i++) output[offset + i] = (input[offset + i] as number) ^ (block[i] as number);
    // 64-bit little-endian block counter in words 8 and 9.
    state[8] = ((state[8] as number) + 1) >>> 0;
    if (state[8] === 0) state[9] = ((state[9] as number) + 1) >>> 0;
  }
}

function rotl(v: number, c: number): number {
  return ((v << c) | (v >>> (32 - c))) >>> 0;
}

/** Twenty rounds (ten double rounds) of the Salsa20 core over a copy of `state` into `x`. */
function core(state: Uint32Array, x: Uint32Array): void {
  x.set(state);
  for (let i = 0; i < 10; i++) {
    quarter(x, 0, 4, 8, 12);
    quarter(x, 5, 9, 13, 1);
    quarter(x, 10, 14, 2, 6);
    quarter(x, 15, 3, 7, 11);
    quarter(x, 0, 1, 2, 3);
    quarter(x, 5, 6, 7, 4);
    quarter(x, 10, 11, 8, 9);
    quarter(x, 15, 12, 13, 14);
  }
}

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[b] = (x[b] as number) ^ rotl(((x[a] as number) + (x[d] as number)) >>> 0, 7);
  x[c] = (x[c] as number) ^ rotl(((x[b] as number) + (x[a] as number)) >>> 0, 9);
  x[d] = (x[d] as number) ^ rotl(((x[c] as number) + (x[b] as number)) >>> 0, 13);
  x[a] = (x[a] as number) ^ rotl(((x[d] as number) + (x[c] as number)) >>> 0, 18);
}
