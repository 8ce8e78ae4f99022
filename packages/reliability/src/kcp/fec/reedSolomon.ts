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

/** out_k ^= c_k · input for three rows at once, through each coefficient's 256-byte table. */
function mulAdd3(
  c: readonly [number, number, number],
  input: Uint8Array,
  out: readonly [Uint8Array, Uint8Array, Uint8Array],
): void {
  const t0 = MUL.subarray(c[0] << 8, (c[0] << 8) + 256);
  const t1 = MUL.subarray(c[1] << 8, (c[1] << 8) + 256);
  const t2 = MUL.subarray(c[2] << 8, (c[2] << 8) + 256);
  const [o0, o1, o2] = out;
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const v = input[i] as number;
    o0[i] = (o0[i] as number) ^ (t0[v] as number);
    o1[i] = (o1[i] as number) ^ (t1[v] as number);
    o2[i] = (o2[i] as number) ^ (t2[v] as number);
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

  /** The parity shards of `data` (`dataShards` arrays, all of one length). */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    const length = (data[0] as Uint8Array).length;
    const rows = this.#parityRows;
    const outs = rows.map(() => new Uint8Array(length));
    // Each data byte is read once for up to three parity rows (kcptun's default has three): one
    // pass per data shard instead of one per (shard, row) pair.
    for (let j = 0; j < this.dataShards; j++) {
      const input = data[j] as Uint8Array;
      let r = 0;
      for (; r + 3 <= rows.length; r += 3) {
        mulAdd3(
          [
            (rows[r] as Uint8Array)[j] as number,
            (rows[r + 1] as Uint8Array)[j] as number,
            (rows[r + 2] as Uint8Array)[j] as number,
          ],
          input,
          [outs[r] as Uint8Array, outs[r + 1] as Uint8Array, outs[r + 2] as Uint8Array],
        );
      }
      for (; r < rows.length; r++) mulAdd((rows[r] as Uint8Array)[j] as number, input, outs[r] as Uint8Array);
    }
    return outs;
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
