// The strict text decoding shared by decodeText and lines({ encoding }); not part of the public API.
import { type Observable, type Subscriber, type Subscription, takeWhile } from 'rxjs';
import { DecodeError } from '../errors.js';

/**
 * Text encodings porta decodes and encodes.
 *
 * @example
 * ```ts
 * const encoding: TextEncoding = 'ascii'; // strict, as Python's decode('ascii')
 * ```
 */
export type TextEncoding = 'ascii' | 'utf8';

/** Length of the UTF-8 sequence a lead byte starts (1 for bytes that cannot lead: the decoder rejects them). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  return 1;
}

/** Where the last complete character of `bytes` ends (bytes after it begin a split character). */
function completeUpTo(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = n - 1;
  const stop = Math.max(0, n - 4);
  while (i >= stop && (bytes[i]! & 0xc0) === 0x80) i--;
  if (i < 0 || i < stop) return n;
  return i + sequenceLength(bytes[i]!) > n ? i : n;
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = sequenceLength(b);
    if (len === 1) return i;
    // Second-byte ranges exclude overlongs, surrogates and code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : (c & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return -1;
}

function firstNonAscii(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return i;
  return -1;
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/** UTF-8 length of a string (lone surrogates count 3, as U+FFFD would). */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for 2 code units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * Strict, stateful text decoding of a byte stream (or, with `stream: false`, of whole messages).
 * Throws {@link DecodeError} naming the offset.
 */
export class TextStreamDecoder {
  readonly #ascii: boolean;
  readonly #stream: boolean;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Bytes of the stream before the current chunk. */
  #position = 0;
  /** The start of a character split across chunks (stream mode, at most 3 bytes). */
  #pending: Uint8Array | undefined;

  constructor(encoding: TextEncoding, stream: boolean) {
    this.#ascii = encoding === 'ascii';
    this.#stream = stream;
  }

  /** Bytes held back as the start of a split character. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  decode(chunk: Uint8Array): string {
    return this.#ascii ? this.#decodeAscii(chunk) : this.#decodeUtf8(chunk);
  }

  /** Checks the stream did not end inside a character. */
  end(): void {
    if (this.#pending !== undefined) {
      const at = this.#position - this.#pending.length;
      throw new DecodeError(`the stream ended inside a UTF-8 character at offset ${at}`, at);
    }
  }

  #where(offset: number): string {
    return this.#stream ? `offset ${offset} of the stream` : `offset ${offset}`;
  }

  #decodeAscii(chunk: Uint8Array): string {
    const bad = firstNonAscii(chunk);
    const base = this.#stream ? this.#position : 0;
    this.#position += chunk.length;
    if (bad >= 0) {
      throw new DecodeError(
        `byte ${hex(chunk[bad]!)} at ${this.#where(base + bad)} is not ASCII`,
        base + bad,
      );
    }
    return chunk.length === 0 ? '' : this.#decoder.decode(chunk);
  }

  #decodeUtf8(input: Uint8Array): string {
    let chunk = input;
    const pending = this.#pending;
    let base = this.#stream ? this.#position - (pending?.length ?? 0) : 0;
    this.#position += input.length;
    let prefix = '';
    if (pending !== undefined) {
      // Complete the split character with the first bytes of this chunk.
      const need = sequenceLength(pending[0]!) - pending.length;
      const joined = new Uint8Array(pending.length + Math.min(need, chunk.length));
      joined.set(pending, 0);
      joined.set(chunk.subarray(0, joined.length - pending.length), pending.length);
      for (let k = 1; k < joined.length; k++) {
        if ((joined[k]! & 0xc0) !== 0x80)
          throw new DecodeError(`invalid UTF-8 at ${this.#where(base)}`, base);
      }
      if (joined.length - pending.length < need) {
        this.#pending = joined;
        return '';
      }
      chunk = chunk.subarray(need);
      this.#pending = undefined;
      try {
        prefix = this.#decoder.decode(joined);
      } catch {
        throw new DecodeError(`invalid UTF-8 at ${this.#where(base)}`, base);
      }
      base += joined.length;
    }
    const end = this.#stream ? completeUpTo(chunk) : chunk.length;
    let text: string;
    try {
      text = this.#decoder.decode(end === chunk.length ? chunk : chunk.subarray(0, end));
    } catch {
      const bad = invalidUtf8Offset(chunk.subarray(0, end));
      const at = base + (bad < 0 ? end : bad);
      throw new DecodeError(`invalid UTF-8 at ${this.#where(at)}`, at);
    }
    if (end < chunk.length) this.#pending = chunk.slice(end);
    return prefix === '' ? text : prefix + text;
  }
}

/**
 * Subscribes to a byte stream through `decoder`: each chunk's text goes to `onText`, and `onEnd` runs
 * once the stream has ended; it checks that the end fell on a whole character with {@link endedWhole}
 * (in its own order: a subscriber may end the source while the last text is still being handled). A
 * `DECODE` error, like the source's own error, errors `subscriber`; chunks that arrive once it is
 * closed are ignored.
 */
export function subscribeDecoded(
  source: Observable<Uint8Array>,
  subscriber: Subscriber<unknown>,
  decoder: TextStreamDecoder,
  onText: (text: string) => void,
  onEnd: () => void,
): Subscription {
  // takeWhile: see decodeWith (a synchronous source is otherwise pulled on after the output ended).
  return source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
    next(chunk) {
      if (subscriber.closed) return;
      let text: string;
      try {
        text = decoder.decode(chunk);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      onText(text);
    },
    error: (err) => subscriber.error(err),
    complete() {
      if (subscriber.closed) return;
      onEnd();
    },
  });
}

/** True when the stream ended on a whole character; otherwise errors `subscriber` with `DECODE`. */
export function endedWhole(decoder: TextStreamDecoder, subscriber: Subscriber<unknown>): boolean {
  try {
    decoder.end();
    return true;
  } catch (err) {
    subscriber.error(err);
    return false;
  }
}
