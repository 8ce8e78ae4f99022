import { InvalidArgumentError } from '@porta/core';

/*
 * Reed–Solomon erasure coding over GF(2^8) as klauspost/reedsolomon (v1.9.13, what kcp-go v5.6.1
 * uses) builds it by default: the field of polynomial x^8+x^4+x^3+x^2+1 (0x11d, generator 2); the
 * encoding matrix is the (data+parity)×data Vandermonde matrix (row r, column c = r^c) multiplied by
 * the inverse of its top square, so data shards pass unchanged and any `data` rows are invertible.
 * Given the same matrix, every correct decoder recovers the same bytes, so a parity shard made here
 * repairs a kcp-go stream and the reverse. npm has no pure-JS package with this matrix (the one
 * byte-compatible package, @ronomon/reed-solomon, is a native addon): hence this file.
 */

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    EXP[i + 255] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
}

/** MUL[a * 256 + b] = a·b in the field: one lookup per byte in the hot loops. */
const MUL = new Uint8Array(65536);
for (let a = 1; a < 256; a++) {
  for (let b = 1; b < 256; b++) MUL[(a << 8) | b] = EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

function mul(a: number, b: number): number {
  return MUL[(a << 8) | b] as number;
}

function inverse(a: number): number {
  return EXP[255 - (LOG[a] as number)] as number;
}

function power(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return EXP[((LOG[a] as number) * n) % 255] as number;
}

type Matrix = Uint8Array[];

function multiply(a: Matrix, b: Matrix): Matrix {
  const cols = (b[0] as Uint8Array).length;
  return a.map((row) => {
    const out = new Uint8Array(cols);
    for (let c = 0; c < cols; c++) {
      let v = 0;
      for (let k = 0; k < row.length; k++) v ^= mul(row[k] as number, (b[k] as Uint8Array)[c] as number);
      out[c] = v;
    }
    return out;
  });
}

/** Gauss–Jordan inversion of a square matrix; undefined when it is singular. */
function invert(m: Matrix): Matrix | undefined {
  const n = m.length;
  const work: Matrix = m.map((row, r) => {
    const wide = new Uint8Array(2 * n);
    wide.set(row);
    wide[n + r] = 1;
    return wide;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && (work[pivot] as Uint8Array)[col] === 0) pivot++;
    if (pivot === n) return undefined;
    [work[col], work[pivot]] = [work[pivot] as Uint8Array, work[col] as Uint8Array];
    const row = work[col] as Uint8Array;
    const scale = inverse(row[col] as number);
    for (let c = 0; c < 2 * n; c++) row[c] = mul(row[c] as number, scale);
    for (let r = 0; r < n; r++) {
      const other = work[r] as Uint8Array;
      const factor = other[col] as number;
      if (r === col || factor === 0) continue;
      for (let c = 0; c < 2 * n; c++) other[c] = (other[c] as number) ^ mul(factor, row[c] as number);
    }
  }
  return work.map((row) => row.slice(n));
}

/** out ^= coefficient · input, byte by byte. */
function mulAdd(coefficient: number, input: Uint8Array, out: Uint8Array): void {
  if (coefficient === 0) return;
  const n = Math.min(input.length, out.length);
  if (coefficient === 1) {
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) ^ (input[i] as number);
    return;
  }
  const table = MUL.subarray(coefficient << 8, (coefficient << 8) + 256);
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) ^ (table[input[i] as number] as number);
}

/*
 * The encoder's kernels work a 32-bit word at a time: GF(2^8) addition and multiplication by a
 * constant act on each byte alone, so a word's four bytes go through the coefficient's 256-byte row
 * of MUL and come back in their own lanes (the same shifts in and out, whatever the endianness).
 */

/** out ^= c · input over `words` words. */
function mulAddWords(c: number, input: Uint32Array, out: Uint32Array, words: number): void {
  const t = c << 8;
  for (let i = 0; i < words; i++) {
    const v = input[i] as number;
    out[i] =
      (out[i] as number) ^
      ((MUL[t | (v & 0xff)] as number) |
        ((MUL[t | ((v >>> 8) & 0xff)] as number) << 8) |
        ((MUL[t | ((v >>> 16) & 0xff)] as number) << 16) |
        ((MUL[t | (v >>> 24)] as number) << 24));
  }
}

/** out_k ^= c_k · input for three rows at once, each input word read once. */
function mulAddWords3(
  c0: number,
  c1: number,
  c2: number,
  input: Uint32Array,
  o0: Uint32Array,
  o1: Uint32Array,
  o2: Uint32Array,
  words: number,
): void {
  const a = c0 << 8;
  const b = c1 << 8;
  const d = c2 << 8;
  for (let i = 0; i < words; i++) {
    const v = input[i] as number;
    const v0 = v & 0xff;
    const v1 = (v >>> 8) & 0xff;
    const v2 = (v >>> 16) & 0xff;
    const v3 = v >>> 24;
    o0[i] =
      (o0[i] as number) ^
      ((MUL[a | v0] as number) |
        ((MUL[a | v1] as number) << 8) |
        ((MUL[a | v2] as number) << 16) |
        ((MUL[a | v3] as number) << 24));
    o1[i] =
      (o1[i] as number) ^
      ((MUL[b | v0] as number) |
        ((MUL[b | v1] as number) << 8) |
        ((MUL[b | v2] as number) << 16) |
        ((MUL[b | v3] as number) << 24));
    o2[i] =
      (o2[i] as number) ^
      ((MUL[d | v0] as number) |
        ((MUL[d | v1] as number) << 8) |
        ((MUL[d | v2] as number) << 16) |
        ((MUL[d | v3] as number) << 24));
  }
}

/**
 * Checks shard counts: integers ≥ `least` each, at most 256 together (GF(2^8) has 256 rows).
 * @throws {@link @porta/core!InvalidArgumentError} naming both counts.
 * @internal
 */
export function checkShardCounts(dataShards: number, parityShards: number, least: 0 | 1): void {
  if (
    !Number.isInteger(dataShards) ||
    !Number.isInteger(parityShards) ||
    dataShards < least ||
    parityShards < least ||
    dataShards + parityShards > 256
  ) {
    throw new InvalidArgumentError(
      `data and parity shards must be integers ≥ ${least} with a sum ≤ 256, got ${dataShards} and ${parityShards}`,
    );
  }
}

/**
 * A systematic Reed–Solomon code with `dataShards` data and `parityShards` parity shards, byte for
 * byte klauspost/reedsolomon's default code.
 *
 * @example
 * ```ts
 * const rs = new ReedSolomon(10, 3);
 * const data = Array.from({ length: 10 }, (_, i) => new Uint8Array(64).fill(i));
 * const parity = rs.encode(data); // 3 arrays of 64 bytes
 * ```
 */
export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  /** Rows `dataShards…` of the encoding matrix (the top square is the identity). */
  readonly #parityRows: Matrix;
  readonly #rows: Matrix;
  readonly #decoders = new Map<string, Matrix>();
  /** encodeInto's scratch, word-aligned: one data shard, and one running sum per parity row. */
  #input = new Uint32Array(0);
  #sums: Uint32Array[] = [];

  /** @throws {@link @porta/core!InvalidArgumentError} unless 1 ≤ data, 1 ≤ parity, data + parity ≤ 256. */
  constructor(dataShards: number, parityShards: number) {
    checkShardCounts(dataShards, parityShards, 1);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    const total = dataShards + parityShards;
    const vandermonde: Matrix = [];
    for (let r = 0; r < total; r++) {
      const row = new Uint8Array(dataShards);
      for (let c = 0; c < dataShards; c++) row[c] = power(r, c);
      vandermonde.push(row);
    }
    const topInverse = invert(vandermonde.slice(0, dataShards)) as Matrix;
    this.#rows = multiply(vandermonde, topInverse);
    this.#parityRows = this.#rows.slice(dataShards);
  }

  /** The parity shards of `data` (`dataShards` arrays; a shorter one reads as zero-padded). */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    let length = 0;
    for (const d of data) length = Math.max(length, d.length);
    const parity = this.#parityRows.map(() => new Uint8Array(length));
    this.encodeInto(data, parity, length);
    return parity;
  }

  /**
   * Writes the first `length` bytes of each parity shard of `data` into `parity` (`parityShards`
   * arrays of at least `length` bytes). A data shard shorter than `length` reads as zero-padded:
   * no padded copy is needed.
   */
  encodeInto(data: readonly Uint8Array[], parity: readonly Uint8Array[], length: number): void {
    const words = (length + 3) >>> 2;
    if (this.#input.length < words) {
      this.#input = new Uint32Array(words);
      this.#sums = this.#parityRows.map(() => new Uint32Array(words));
    }
    const input = this.#input;
    const inputBytes = new Uint8Array(input.buffer, 0, words * 4);
    const sums = this.#sums;
    for (const sum of sums) sum.fill(0, 0, words);
    const rows = this.#parityRows;
    // Each data word is read once for three parity rows (kcptun's default has three).
    for (let j = 0; j < this.dataShards; j++) {
      const shard = data[j] as Uint8Array;
      const n = Math.min(shard.length, length);
      inputBytes.set(n === shard.length ? shard : shard.subarray(0, n));
      inputBytes.fill(0, n);
      let r = 0;
      for (; r + 3 <= rows.length; r += 3) {
        mulAddWords3(
          (rows[r] as Uint8Array)[j] as number,
          (rows[r + 1] as Uint8Array)[j] as number,
          (rows[r + 2] as Uint8Array)[j] as number,
          input,
          sums[r] as Uint32Array,
          sums[r + 1] as Uint32Array,
          sums[r + 2] as Uint32Array,
          words,
        );
      }
      for (; r < rows.length; r++) {
        mulAddWords((rows[r] as Uint8Array)[j] as number, input, sums[r] as Uint32Array, words);
      }
    }
    for (let r = 0; r < rows.length; r++) {
      (parity[r] as Uint8Array).set(new Uint8Array((sums[r] as Uint32Array).buffer, 0, length));
    }
  }

  /**
   * Fills in the missing data shards of `shards` (data then parity; `undefined` where lost; the
   * present ones all of one length) and returns the indices it filled. Returns undefined when fewer
   * than `dataShards` shards are present.
   */
  reconstructData(shards: (Uint8Array | undefined)[]): number[] | undefined {
    const present: number[] = [];
    for (let i = 0; i < shards.length && present.length < this.dataShards; i++) {
      if (shards[i]) present.push(i);
    }
    if (present.length < this.dataShards) return undefined;
    const missing: number[] = [];
    for (let i = 0; i < this.dataShards; i++) if (!shards[i]) missing.push(i);
    if (missing.length === 0) return missing;
    const key = present.join(',');
    let decoder = this.#decoders.get(key);
    if (!decoder) {
      decoder = invert(present.map((i) => this.#rows[i] as Uint8Array)) as Matrix;
      if (this.#decoders.size >= 64) this.#decoders.clear();
      this.#decoders.set(key, decoder);
    }
    const length = (shards[present[0] as number] as Uint8Array).length;
    for (const m of missing) {
      const out = new Uint8Array(length);
      const row = decoder[m] as Uint8Array;
      for (let j = 0; j < present.length; j++) {
        mulAdd(row[j] as number, shards[present[j] as number] as Uint8Array, out);
      }
      shards[m] = out;
    }
    return missing;
  }
}
