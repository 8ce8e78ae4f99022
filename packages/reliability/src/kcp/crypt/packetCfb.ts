import { createCipheriv, createDecipheriv } from 'node:crypto';

/** A packet cipher: each packet on its own, from the same IV. */
export interface PacketCfb {
  encrypt(packet: Uint8Array): Uint8Array;
  decrypt(packet: Uint8Array): Uint8Array;
}

/**
 * node:crypto's CFB `algorithm` (full-block feedback) over each packet from `iv`, byte for byte what
 * `createCipheriv(algorithm, key, iv).update(packet)` gives, without a cipher object per packet
 * (building one cost more than the encryption). One CFB encryptor, one CFB decryptor and one ECB
 * cipher live as long as the session; each packet is fed to its stream whole blocks at a time,
 * behind one block that puts the stream's feedback register back to `iv`:
 *
 * - decrypting, the register is the last ciphertext block read, so `iv` itself is that block;
 * - encrypting, it is the last ciphertext block written, so the block is E(register) ⊕ `iv` (its
 *   output is `iv`), E(register) from the ECB cipher after each packet.
 *
 * A packet's last block is padded to a whole one (whatever the padding holds: its output is cut
 * off, and the next packet resets the register). Two native calls per packet encrypted, one per
 * packet decrypted, one output array each.
 */
export function packetCfb(algorithm: string, key: Uint8Array, iv: Uint8Array): PacketCfb {
  const block = iv.length;
  const encryptor = createCipheriv(algorithm, key, iv);
  const decryptor = createDecipheriv(algorithm, key, iv);
  const ecb = createCipheriv(algorithm.replace(/-cfb$/, '-ecb'), key, null).setAutoPadding(false);
  // The block that, encrypted next, outputs `iv`: the encryptor's register is `iv` to begin with.
  const lead = xor(ecb.update(iv), iv);
  let sealing: Uint8Array = new Uint8Array(block + 2048);
  let opening: Uint8Array = new Uint8Array(block + 2048);
  const room = (scratch: Uint8Array, whole: number): Uint8Array =>
    scratch.length >= whole ? scratch : new Uint8Array(2 * whole);
  return {
    encrypt(packet) {
      const n = packet.length;
      const whole = block + Math.ceil(n / block) * block;
      sealing = room(sealing, whole);
      sealing.set(lead);
      sealing.set(packet, block);
      const out = encryptor.update(sealing.subarray(0, whole));
      const register = out.subarray(whole - block, whole);
      const e = ecb.update(register);
      for (let i = 0; i < block; i++) lead[i] = (e[i] as number) ^ (iv[i] as number);
      return new Uint8Array(out.buffer, out.byteOffset + block, n);
    },
    decrypt(packet) {
      const n = packet.length;
      const whole = block + Math.ceil(n / block) * block;
      opening = room(opening, whole);
      opening.set(iv);
      opening.set(packet, block);
      const out = decryptor.update(opening.subarray(0, whole));
      return new Uint8Array(out.buffer, out.byteOffset + block, n);
    },
  };
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => v ^ (b[i] as number));
}
