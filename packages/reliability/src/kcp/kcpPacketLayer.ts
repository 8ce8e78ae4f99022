import { getRandomValues } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { KcpMalformedError } from '@porta/core';
import { KCPTUN_DEFAULT_KEY, type KcpCryptName, kcpBlockCrypt, kcptunKey } from './crypt/kcpCrypt.js';
import { getU32LE, putU32LE } from './internal/kcpBytes.js';

/**
 * What wraps KCP's segments in each datagram: nothing (ikcp.c), or kcp-go's header.
 * A KCP session reserves `overhead` bytes before its segments and hands the packet to `seal`.
 *
 * @example
 * ```ts
 * const layer = kcpGoPacketLayer({ crypt: 'none' });
 * const segments = layer.open(datagram.data); // undefined when the CRC32 does not match
 * ```
 */
export interface KcpPacketLayer {
  /** Bytes before the first segment. */
  readonly overhead: number;
  /** Fills the first `overhead` bytes of `packet` (segments follow them) and returns what to send. */
  seal(packet: Uint8Array): Uint8Array;
  /**
   * Returns the segments part of a received datagram.
   * @throws {@link @porta/core!KcpMalformedError} when the datagram is too short or fails its check.
   */
  open(datagram: Uint8Array): Uint8Array;
}

/**
 * ikcp.c's own framing: the datagram is the segments.
 *
 * @example
 * ```ts
 * const peer = toEndpoint({ address: '127.0.0.1', port: 29900 });
 * kcpConnect(socket, peer, { packetLayer: rawKcpPacketLayer });
 * ```
 */
export const rawKcpPacketLayer: KcpPacketLayer = {
  overhead: 0,
  seal: (packet) => packet,
  open: (datagram) => datagram,
};

/** Options of {@link kcpGoPacketLayer}. */
export interface KcpGoPacketLayerOptions {
  /** kcptun's `--crypt` (see {@link KCP_CRYPTS}). Default `none` (kcptun's own default is `aes`). */
  readonly crypt?: KcpCryptName;
  /**
   * kcptun's `--key`: a passphrase (turned into the key by {@link kcptunKey}, as kcptun does) or
   * the 32-byte key itself. Default kcptun's, `it's a secrect`. Ignored by `none`.
   */
  readonly key?: string | Uint8Array;
}

const NONCE = 16;
const CRC = 4;

/**
 * kcp-go's packet layer as kcptun runs it without FEC: each datagram is a 16-byte random nonce,
 * the CRC32 (IEEE, little-endian) of everything after the CRC, then the KCP segments — the whole
 * of it encrypted with kcptun's `--crypt` (kcp-go `sess.go`: `nonceSize`, `crcSize`,
 * `cryptHeaderSize`, `output`, `packetInput`; `none` still has the header). A datagram whose CRC32
 * does not match after decryption is refused, as kcp-go counts it in `InCsumErrors` and drops it.
 * With FEC (kcptun's `--ds`/`--ps`), the session puts kcp-go's FEC header between this header and
 * the segments: see {@link kcpPacketPipeline}.
 *
 * @throws {@link @porta/core!InvalidArgumentError} for a crypt porta does not implement (the message
 *   lists those it does) or a key that is not a string or 32 bytes.
 * @example
 * ```ts
 * const kcptunServer = toEndpoint({ address: '127.0.0.1', port: 29900 }); // kcptun-server -l :29900 --crypt aes --key secret
 * kcpConnect(socket, kcptunServer, { packetLayer: kcpGoPacketLayer({ crypt: 'aes', key: 'secret' }) });
 * ```
 */
export function kcpGoPacketLayer(options: KcpGoPacketLayerOptions = {}): KcpPacketLayer {
  const name = options.crypt ?? 'none';
  const key = options.key ?? KCPTUN_DEFAULT_KEY;
  const cipher = kcpBlockCrypt(
    name,
    name === 'none' ? new Uint8Array(32) : typeof key === 'string' ? kcptunKey(key) : key,
  );
  // The nonce only has to differ from packet to packet (kcp-go itself fills it from a counter run
  // through AES; under a real cipher it is the CFB stream's varying first block): xorshift128 from a
  // random seed, not a system call per packet.
  const state = getRandomValues(new Uint32Array(4));
  if (state.every((word) => word === 0)) state[0] = 1;
  return {
    overhead: NONCE + CRC,
    seal(packet) {
      if (packet.length < NONCE + CRC) {
        throw new RangeError(`a ${packet.length}-byte packet has no room for the ${NONCE + CRC}-byte header`);
      }
      for (let i = 0; i < NONCE; i += 4) putU32LE(packet, i, xorshift128(state));
      putU32LE(packet, NONCE, crc32(packet.subarray(NONCE + CRC)));
      return cipher.encrypt(packet);
    },
    open(datagram) {
      if (datagram.length < NONCE + CRC) {
        throw new KcpMalformedError(
          `kcp-go packet of ${datagram.length} bytes is shorter than its ${NONCE + CRC}-byte header`,
          datagram,
        );
      }
      const plain = cipher.decrypt(datagram);
      const expected = getU32LE(plain, NONCE);
      const body = plain.subarray(NONCE + CRC);
      const actual = crc32(body);
      if (actual !== expected) {
        throw new KcpMalformedError(
          `kcp-go packet CRC32 ${actual.toString(16)} does not match its header's ${expected.toString(16)}` +
            (name === 'none' ? '' : ` (after ${name} decryption: a wrong --crypt or --key reads as this)`),
          datagram,
        );
      }
      return body;
    },
  };
}

/** One step of Marsaglia's xorshift128 over `state` (four uint32 words). */
function xorshift128(state: Uint32Array): number {
  let t = state[3] as number;
  const s = state[0] as number;
  state[3] = state[2] as number;
  state[2] = state[1] as number;
  state[1] = s;
  t ^= t << 11;
  t ^= t >>> 8;
  state[0] = (t ^ s ^ (s >>> 19)) >>> 0;
  return state[0];
}
