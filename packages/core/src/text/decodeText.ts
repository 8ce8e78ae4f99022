import { Observable, type OperatorFunction } from 'rxjs';
import { checkOneOf } from '../optionChecks.js';
import { endedWhole, subscribeDecoded, type TextEncoding, TextStreamDecoder } from './textStreamDecoder.js';

export type { TextEncoding } from './textStreamDecoder.js';

/**
 * Options of {@link decodeText}.
 *
 * @example
 * ```ts
 * bytes$.pipe(lengthField(), decodeText('utf8', { stream: false } satisfies DecodeTextOptions));
 * ```
 */
export interface DecodeTextOptions {
  /**
   * `true` (default): the input is one byte stream split anywhere, so a UTF-8 character split across
   * chunks is reassembled and offsets count from the start of the stream. `false`: each input value
   * is a whole message (a frame), so a message that ends inside a character is an error and offsets
   * count from the start of the message.
   */
  readonly stream?: boolean;
}

/**
 * Decodes bytes to strings.
 *
 * - `'ascii'` is strict, like Python's `bytes.decode('ascii')`: a byte ≥ 0x80 errors with
 *   `DECODE` naming the byte and its offset ("byte 0xe2 at offset 3 of the stream is not ASCII";
 *   with `stream: false`, "at offset 3" of the message).
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
  checkOneOf(encoding, 'decodeText: encoding', ['ascii', 'utf8']);
  const stream = options.stream ?? true;
  return (source) =>
    new Observable<string>((subscriber) => {
      const decoder = new TextStreamDecoder(encoding, stream);
      return subscribeDecoded(
        source,
        subscriber,
        decoder,
        (text) => {
          // A chunk holding only the start of a split character yields nothing yet.
          if (text !== '' || decoder.pendingBytes === 0) subscriber.next(text);
        },
        () => {
          if (endedWhole(decoder, subscriber)) subscriber.complete();
        },
      );
    });
}
