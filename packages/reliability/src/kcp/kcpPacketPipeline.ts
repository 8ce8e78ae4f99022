import { KcpMalformedError } from '@porta/core';
import {
  FEC_DATA,
  FEC_OVERHEAD,
  FEC_PARITY,
  FecDecoder,
  FecEncoder,
  type KcpFecOptions,
  type KcpFecStats,
} from './fec/kcpFec.js';
import { checkShardCounts } from './fec/reedSolomon.js';
import type { KcpPacketLayer } from './kcpPacketLayer.js';

/**
 * One session's packet pipeline, in front of KCP, in kcp-go's order (`sess.go` `output` and
 * `packetInput`/`kcpInput`): on send, FEC (when on) marks the packet as a data shard and adds parity
 * shards, then the packet layer (nonce, CRC32, cipher) seals each; on receive, the packet layer
 * opens the datagram, then FEC hands back its KCP packet and any it rebuilt.
 *
 * @example
 * ```ts
 * const pipeline = kcpPacketPipeline(kcpGoPacketLayer({ crypt: 'aes' }), { dataShards: 10, parityShards: 3 });
 * declare const received: Uint8Array; // a datagram from the peer
 * pipeline.open(received, (segments) => console.log(decodeKcpSegments(segments)));
 * ```
 */
export interface KcpPacketPipeline {
  /** Bytes before the first segment: the packet layer's header, plus 8 with FEC. */
  readonly overhead: number;
  /** Seals `packet` (its first `overhead` bytes free) and passes each datagram to send to `send`. */
  seal(packet: Uint8Array, send: (datagram: Uint8Array) => void): void;
  /**
   * Opens a received datagram and passes each KCP packet in it (segments only) to `receive`: none
   * for a parity shard that repaired nothing, several when it did.
   * @throws {@link @porta/core!KcpMalformedError} when the packet layer refuses the datagram, or an
   *   FEC header is cut short.
   */
  open(datagram: Uint8Array, receive: (segments: Uint8Array) => void): void;
  /** FEC counters (all 0 without FEC). */
  readonly stats: Readonly<KcpFecStats>;
}

/**
 * Checks kcptun's `--ds`/`--ps` and says whether they turn FEC on (both > 0, as kcp-go's
 * `newFECEncoder` requires).
 * @throws {@link @porta/core!InvalidArgumentError} unless both are integers from 0 and their sum ≤ 256.
 * @internal
 */
export function fecEnabled(dataShards: number, parityShards: number): boolean {
  checkShardCounts(dataShards, parityShards, 0);
  return dataShards > 0 && parityShards > 0;
}

/**
 * Builds one session's {@link KcpPacketPipeline}: `layer` alone, or kcp-go's FEC inside it when
 * `fec` has both shard counts above 0. With FEC off, a peer's data shards are still read (kcp-go
 * reads them too); its parity shards are counted and dropped.
 *
 * @throws {@link @porta/core!InvalidArgumentError} for shard counts kcp-go could not use.
 * @example
 * ```ts
 * const pipeline = kcpPacketPipeline(kcpGoPacketLayer({ crypt: 'aes' }), { dataShards: 10, parityShards: 3 });
 * ```
 */
export function kcpPacketPipeline(layer: KcpPacketLayer, fec?: KcpFecOptions): KcpPacketPipeline {
  const on = fec !== undefined && fecEnabled(fec.dataShards, fec.parityShards);
  const encoder = on ? new FecEncoder(fec, layer.overhead) : undefined;
  const decoder = on ? new FecDecoder(fec) : undefined;
  const stats: KcpFecStats = decoder?.stats ?? {
    fecParityShards: 0,
    fecRecovered: 0,
    fecErrors: 0,
    fecShortGroups: 0,
  };
  return {
    overhead: layer.overhead + (on ? FEC_OVERHEAD : 0),
    stats,
    seal(packet, send) {
      const parity = encoder ? encoder.encode(packet) : undefined;
      send(layer.seal(packet));
      if (parity) for (const p of parity) send(layer.seal(p));
    },
    open(datagram, receive) {
      const body = layer.open(datagram);
      // kcp-go tells FEC from plain KCP by bytes 4–5: a KCP segment has cmd 81–84 and frg there,
      // which never read as 0x00f1 or 0x00f2.
      const flag = body.length >= 6 ? (body[4] as number) | ((body[5] as number) << 8) : 0;
      if (flag !== FEC_DATA && flag !== FEC_PARITY) {
        receive(body);
        return;
      }
      if (body.length < FEC_OVERHEAD) {
        throw new KcpMalformedError(
          `kcp-go FEC shard of ${body.length} bytes is shorter than its header`,
          body,
        );
      }
      if (decoder) decoder.decode(body, receive);
      else if (flag === FEC_DATA) receive(body.subarray(FEC_OVERHEAD));
      else stats.fecParityShards++;
    },
  };
}
