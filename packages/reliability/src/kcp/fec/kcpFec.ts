import { getU16LE, getU32LE, putU16LE, putU32LE } from '../internal/kcpBytes.js';
import { ReedSolomon } from './reedSolomon.js';

/*
 * kcp-go's FEC (fec.go v5.6.1). Every KCP packet becomes a data shard and every `dataShards` of
 * them are followed by `parityShards` parity shards. Header, after the crypt header:
 *
 *   | seqid u32 LE | flag u16 LE: 0xf1 data, 0xf2 parity | size u16 LE | KCP segments |
 *
 * `size` counts itself and the segments; the Reed–Solomon code runs over `size…end`, each shard
 * padded with zeros to the group's longest, so a recovered shard's own `size` says where its
 * segments end. seqids run on across groups (a group is seqid − seqid mod (data + parity)) and wrap
 * at the largest multiple of the group size below 2^32, after a parity shard.
 */

/** FEC header: seqid and flag. */
export const FEC_HEADER = 6;
/** FEC header plus the size field: what FEC adds before the segments of a data shard. */
export const FEC_OVERHEAD = 8;
export const FEC_DATA = 0xf1;
export const FEC_PARITY = 0xf2;

/** The FEC options of a KCP session, as kcptun's `--ds` and `--ps`. */
export interface KcpFecOptions {
  readonly dataShards: number;
  readonly parityShards: number;
}

/**
 * Makes shards as kcp-go's `fecEncoder`: marks each packet as a data shard in place (the FEC
 * header at `headerAt`, space the session reserved) and, once a group's data shards are in, makes
 * its parity packets (each with `headerAt` bytes free in front for the crypt header).
 * @internal
 */
export class FecEncoder {
  readonly #rs: ReedSolomon;
  readonly #group: number;
  readonly #wrap: number;
  readonly #headerAt: number;
  readonly #shards: Uint8Array[] = [];
  #next = 0;

  constructor(options: KcpFecOptions, headerAt: number) {
    this.#rs = new ReedSolomon(options.dataShards, options.parityShards);
    this.#group = options.dataShards + options.parityShards;
    this.#wrap = Math.floor(0xffffffff / this.#group) * this.#group;
    this.#headerAt = headerAt;
  }

  /** Marks `packet` as a data shard; returns the parity packets it completes (usually none). */
  encode(packet: Uint8Array): Uint8Array[] {
    const at = this.#headerAt;
    if (packet.length < at + FEC_OVERHEAD) {
      throw new RangeError(`a ${packet.length}-byte packet has no room for the FEC header at ${at}`);
    }
    putU32LE(packet, at, this.#next);
    putU16LE(packet, at + 4, FEC_DATA);
    putU16LE(packet, at + FEC_HEADER, packet.length - at - FEC_HEADER);
    this.#next = (this.#next + 1) >>> 0;
    // The packet is the encoder's to read until its group is done: the session never writes to a
    // packet once it is sealed, and the packet layer encrypts into a new array.
    this.#shards.push(packet.subarray(at + FEC_HEADER));
    if (this.#shards.length < this.#rs.dataShards) return [];
    const shards = this.#shards;
    let longest = 0;
    for (const s of shards) longest = Math.max(longest, s.length);
    const packets: Uint8Array[] = [];
    const parity: Uint8Array[] = [];
    for (let r = 0; r < this.#rs.parityShards; r++) {
      const out = new Uint8Array(at + FEC_HEADER + longest);
      putU32LE(out, at, this.#next);
      putU16LE(out, at + 4, FEC_PARITY);
      this.#next = (this.#next + 1) % this.#wrap;
      packets.push(out);
      parity.push(out.subarray(at + FEC_HEADER));
    }
    // Shorter shards read as zero-padded to the longest, as kcp-go pads them.
    this.#rs.encodeInto(shards, parity, longest);
    shards.length = 0;
    return packets;
  }
}

/** FEC counters of a session (see {@link kcpPacketPipeline}). */
export interface KcpFecStats {
  /** Parity shards received. */
  fecParityShards: number;
  /** Data shards rebuilt from parity. */
  fecRecovered: number;
  /** Rebuilt shards whose size field was impossible (dropped). */
  fecErrors: number;
  /** Groups given up with data shards still missing (too many lost, or pushed out by newer ones). */
  fecShortGroups: number;
}

interface Group {
  readonly shards: (Uint8Array | undefined)[];
  count: number;
  dataCount: number;
  done: boolean;
}

/** Groups kept at once: kcp-go keeps 3 × (data + parity) shards. */
const GROUPS = 3;
/** Finished groups remembered (so late shards of a repaired group do not repair it again). */
const REMEMBERED = 16;

/**
 * Takes shards as kcp-go's `fecDecoder` does and gives back the KCP packets inside: a data shard's
 * at once, and a lost data shard's once `dataShards` shards of its group are in. Memory is bounded:
 * at most {@link GROUPS} groups are open (the oldest is given up for a new one), each holding at most
 * one copy of each shard.
 * @internal
 */
export class FecDecoder {
  readonly stats: KcpFecStats = { fecParityShards: 0, fecRecovered: 0, fecErrors: 0, fecShortGroups: 0 };
  readonly #rs: ReedSolomon;
  readonly #data: number;
  readonly #group: number;
  readonly #groups = new Map<number, Group>();

  constructor(options: KcpFecOptions) {
    this.#rs = new ReedSolomon(options.dataShards, options.parityShards);
    this.#data = options.dataShards;
    this.#group = options.dataShards + options.parityShards;
  }

  /** `shard` starts at the FEC header (8 bytes at least; the caller checked the flag). */
  decode(shard: Uint8Array, receive: (packet: Uint8Array) => void): void {
    const seqid = getU32LE(shard, 0);
    const parity = getU16LE(shard, 4) === FEC_PARITY;
    if (parity) this.stats.fecParityShards++;
    const index = seqid % this.#group;
    // A shard whose flag does not match its place in the group is from a peer with other --ds/--ps:
    // its data still counts, its parity cannot.
    const misplaced = parity !== index >= this.#data;
    const start = seqid - index;
    let group = this.#groups.get(start);
    if (!misplaced && !group) {
      group = { shards: new Array(this.#group).fill(undefined), count: 0, dataCount: 0, done: false };
      this.#groups.set(start, group);
      this.#trim();
    }
    if (!parity) receive(shard.subarray(FEC_OVERHEAD));
    if (misplaced || !group || group.done || group.shards[index]) return;
    group.shards[index] = shard.subarray(FEC_HEADER);
    group.count++;
    if (!parity) group.dataCount++;
    if (group.dataCount === this.#data) {
      this.#finish(group);
      return;
    }
    if (group.count < this.#data) return;
    this.#repair(group, receive);
    this.#finish(group);
  }

  #repair(group: Group, receive: (packet: Uint8Array) => void): void {
    let longest = 0;
    for (const s of group.shards) if (s) longest = Math.max(longest, s.length);
    const shards = group.shards.map((s) => {
      if (!s || s.length === longest) return s;
      const p = new Uint8Array(longest);
      p.set(s);
      return p;
    });
    const filled = this.#rs.reconstructData(shards) ?? [];
    for (const i of filled) {
      const rebuilt = shards[i] as Uint8Array;
      const size = rebuilt.length >= 2 ? (rebuilt[0] as number) | ((rebuilt[1] as number) << 8) : 0;
      if (size < 2 || size > rebuilt.length) {
        this.stats.fecErrors++;
        continue;
      }
      this.stats.fecRecovered++;
      receive(rebuilt.subarray(2, size));
    }
  }

  #finish(group: Group): void {
    group.done = true;
    group.shards.fill(undefined);
  }

  /** Keeps at most GROUPS open groups and REMEMBERED finished ones, dropping the oldest first. */
  #trim(): void {
    let open = 0;
    for (const g of this.#groups.values()) if (!g.done) open++;
    for (const [start, g] of this.#groups) {
      if (open <= GROUPS && this.#groups.size <= GROUPS + REMEMBERED) break;
      if (!g.done) {
        this.stats.fecShortGroups++;
        open--;
      }
      this.#groups.delete(start);
    }
  }
}
