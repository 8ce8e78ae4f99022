import type { Endpoint } from '@porta/core';

/**
 * Formats values the way the course's Python programs print them, so porta's console output can be
 * compared line for line with theirs.
 * @module
 */

/**
 * An address as Python's `getsockname()` tuple prints: `('127.0.0.1', 1060)`, or for IPv6
 * `('::1', 1060, 0, 0)` (flow info and scope id, which porta does not use).
 *
 * @example
 * ```ts
 * pyAddress({ address: '127.0.0.1', port: 1060, family: 'IPv4' }); // "('127.0.0.1', 1060)"
 * ```
 */
export function pyAddress(endpoint: Endpoint): string {
  const host = pyRepr(endpoint.address);
  return endpoint.family === 'IPv6' ? `(${host}, ${endpoint.port}, 0, 0)` : `(${host}, ${endpoint.port})`;
}

/**
 * A string as Python's `repr()` prints it: single quotes unless the text holds a single quote and
 * no double quote, with `\n`, `\t`, `\\` and control characters escaped.
 *
 * @example
 * ```ts
 * pyRepr('FAKE'); // "'FAKE'"
 * ```
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Bytes as Python's `repr(bytes)` prints them: `b'Enviei, servidor'`, non-printable octets as `\xNN`.
 *
 * @example
 * ```ts
 * pyBytesRepr(new TextEncoder().encode('Fechado, cliente')); // "b'Fechado, cliente'"
 * ```
 */
export function pyBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * A number of seconds as Python's `str(float)` prints it: `0.1`, `1.6`, `2.0`.
 *
 * @example
 * ```ts
 * pySeconds(1600); // "1.6"
 * ```
 */
export function pySeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}

/**
 * Local time as Python's `str(datetime.now())`: `2022-11-15 23:08:56.025842` (the course's request
 * text; JavaScript clocks give milliseconds, so the last three digits are zeros).
 *
 * @example
 * ```ts
 * pyDatetime(new Date(2022, 10, 15, 23, 8, 56, 25)); // "2022-11-15 23:08:56.025000"
 * ```
 */
export function pyDatetime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  const ms = date.getMilliseconds();
  // Python omits the fraction when it is exactly zero.
  return ms === 0 ? `${day} ${time}` : `${day} ${time}.${String(ms * 1000).padStart(6, '0')}`;
}

const N = 624;
const M = 397;

/**
 * Python's `random.random()` after `random.seed(seed)`: the same Mersenne Twister (MT19937), seeded
 * the same way, so porta's `udp-remote` server given `--seed N` pretends to drop exactly the
 * requests the course's `udp_remote.py --seed N` would.
 *
 * @example
 * ```ts
 * const random = pythonRandom(42);
 * random(); // 0.6394267984578837, as Python's random.seed(42); random.random()
 * ```
 */
export function pythonRandom(seed: number | bigint): () => number {
  const mt = new Uint32Array(N);
  let index = N;

  const initGenrand = (s: number) => {
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  };

  // Python seeds from the absolute value's 32-bit words, least significant first.
  let n = seed < 0 ? -BigInt(seed) : BigInt(seed);
  const key: number[] = [];
  do {
    key.push(Number(n & 0xffffffffn));
    n >>= 32n;
  } while (n > 0n);

  initGenrand(19650218);
  let i = 1;
  let j = 0;
  for (let k = Math.max(N, key.length); k > 0; k--) {
    const prev = mt[i - 1]!;
    mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j) >>> 0;
    i++;
    j++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
    if (j >= key.length) j = 0;
  }
  for (let k = N - 1; k > 0; k--) {
    const prev = mt[i - 1]!;
    mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1]!;
      i = 1;
    }
  }
  mt[0] = 0x80000000;

  const next32 = (): number => {
    if (index >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % N]! & 0x7fffffff);
        mt[kk] = mt[(kk + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };

  return () => {
    const a = next32() >>> 5;
    const b = next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  };
}
