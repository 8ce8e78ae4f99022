import { Observable, type OperatorFunction } from 'rxjs';
import { DecodeError, InvalidArgumentError } from '../errors.js';

/** Text encodings porta decodes and encodes. */
export type TextEncoding = 'ascii' | 'utf8';

/** Options of {@link decodeText}. */
export interface DecodeTextOptions {
  /**
   * `true` (default): the input is one byte stream split anywhere, so a UTF-8 character split across
   * chunks is reassembled and offsets count from the start of the stream. `false`: each input value
   * is a whole message (a frame), so a message that ends inside a character is an error and offsets
   * count from the start of the message.
   */
  readonly stream?: boolean;
}

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

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (for messages). */
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

/**
 * Decodes bytes to strings.
 *
 * - `'ascii'` is strict, like Python's `bytes.decode('ascii')`: a byte ≥ 0x80 errors with
 *   `DECODE` naming the byte and its offset ("byte 0xe2 at offset 3 is not ASCII").
 * - `'utf8'` is fatal on invalid input (`DECODE` with the offset) and reassembles a character split
 *   across chunks; a stream that ends inside a character is a `DECODE` error too. A byte-order mark
 *   is kept as U+FEFF, not stripped.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(lines(), decodeText('ascii', { stream: false }));
 * connection.bytes.pipe(decodeText('utf8')); // text chunks, characters never split
 * ```
 */
export function decodeText(
  encoding: TextEncoding,
  options: DecodeTextOptions = {},
): OperatorFunction<Uint8Array, string> {
  if (encoding !== 'ascii' && encoding !== 'utf8') {
    throw new InvalidArgumentError(`decodeText: encoding must be 'ascii' or 'utf8', got ${String(encoding)}`);
  }
  const stream = options.stream ?? true;
  return (source) =>
    new Observable<string>((subscriber) => {
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      /** Bytes of the stream before the current chunk (stream mode). */
      let position = 0;
      /** The start of a character split across chunks (stream mode, at most 3 bytes). */
      let pending: Uint8Array | undefined;

      const fail = (message: string, offset: number): false => {
        subscriber.error(new DecodeError(message, offset));
        return false;
      };
      const where = (offset: number) => (stream ? `offset ${offset} of the stream` : `offset ${offset}`);

      const ascii = (chunk: Uint8Array): boolean => {
        const bad = firstNonAscii(chunk);
        const base = stream ? position : 0;
        position += chunk.length;
        if (bad >= 0)
          return fail(`byte ${hex(chunk[bad]!)} at ${where(base + bad)} is not ASCII`, base + bad);
        subscriber.next(chunk.length === 0 ? '' : decoder.decode(chunk));
        return true;
      };

      const utf8 = (input: Uint8Array): boolean => {
        let chunk = input;
        let base = stream ? position - (pending?.length ?? 0) : 0;
        position += input.length;
        let prefix = '';
        if (pending !== undefined) {
          // Complete the split character with the first bytes of this chunk.
          const need = sequenceLength(pending[0]!) - pending.length;
          const joined = new Uint8Array(pending.length + Math.min(need, chunk.length));
          joined.set(pending, 0);
          joined.set(chunk.subarray(0, joined.length - pending.length), pending.length);
          if (joined.length - pending.length < need) {
            for (let k = 1; k < joined.length; k++) {
              if ((joined[k]! & 0xc0) !== 0x80) return fail(`invalid UTF-8 at ${where(base)}`, base);
            }
            pending = joined;
            return true;
          }
          chunk = chunk.subarray(need);
          pending = undefined;
          try {
            prefix = decoder.decode(joined);
          } catch {
            return fail(`invalid UTF-8 at ${where(base)}`, base);
          }
          base += joined.length;
        }
        const end = stream ? completeUpTo(chunk) : chunk.length;
        let text: string;
        try {
          text = decoder.decode(end === chunk.length ? chunk : chunk.subarray(0, end));
        } catch {
          const bad = invalidUtf8Offset(chunk.subarray(0, end));
          const at = base + (bad < 0 ? end : bad);
          return fail(`invalid UTF-8 at ${where(at)}`, at);
        }
        if (end < chunk.length) pending = chunk.slice(end);
        subscriber.next(prefix + text);
        return true;
      };

      const next = encoding === 'ascii' ? ascii : utf8;
      return source.subscribe({
        next: (chunk) => {
          if (!subscriber.closed) next(chunk);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          if (pending !== undefined) {
            const at = position - pending.length;
            fail(`the stream ended inside a UTF-8 character at offset ${at}`, at);
            return;
          }
          subscriber.complete();
        },
      });
    });
}
