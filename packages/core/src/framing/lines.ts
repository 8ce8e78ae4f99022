import type { OperatorFunction } from 'rxjs';
import { checkOneOf } from '../optionChecks.js';
import type { TextEncoding } from '../text/textStreamDecoder.js';
import { decodeWith } from './decodeWith.js';
import { LinesDecoder, type LinesOptions } from './linesDecoder.js';
import { TextLinesDecoder } from './textLinesDecoder.js';

/**
 * Splits a byte stream into lines ended by `\n` or `\r\n` (Netty's `LineBasedFrameDecoder`), emitted
 * as bytes without their terminator (or with it, `keepEnds: true`) — or, with `encoding: 'utf8'` or
 * `'ascii'`, as strings (tokio's `LinesCodec`, see {@link TextLinesDecoder}). Empty lines are emitted
 * as empty frames. {@link encodeLines} is the other half.
 *
 * Bounded: a line longer than `maxFrameLength` (default 8 MiB, terminator excluded) fails as soon as
 * the buffered bytes prove it too long, before the buffer grows past `maxFrameLength + 1`, with
 * `FRAME_TOO_LONG` — or, with `onTooLong: 'skip'`, is discarded up to its newline and reported to
 * `onDrop`; decoding then resyncs on the next line.
 *
 * @example
 * ```ts
 * connection.bytes.pipe(lines({ maxFrameLength: 1024 })); // Observable<Uint8Array>
 * connection.bytes.pipe(lines({ encoding: 'utf8' })).subscribe((line) => console.log(line));
 * ```
 */
export function lines(
  options?: LinesOptions & { readonly encoding?: undefined },
): OperatorFunction<Uint8Array, Uint8Array>;
export function lines(
  options: LinesOptions & { readonly encoding: TextEncoding },
): OperatorFunction<Uint8Array, string>;
export function lines(options: LinesOptions = {}): OperatorFunction<Uint8Array, Uint8Array | string> {
  const encoding = options.encoding;
  if (encoding === undefined) {
    new LinesDecoder(options);
    return decodeWith(() => new LinesDecoder(options), options);
  }
  checkOneOf(encoding, 'lines: encoding', ['ascii', 'utf8']);
  new LinesDecoder(options);
  return decodeWith(() => new TextLinesDecoder({ ...options, encoding }), options);
}
