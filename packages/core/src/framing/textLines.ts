// lines({ encoding }): lines as strings. Internal; the public entry point is `lines`.
import { Observable, type OperatorFunction } from 'rxjs';
import { type FrameTooLongError, TruncatedError } from '../errors.js';
import {
  endedWhole,
  subscribeDecoded,
  type TextEncoding,
  TextStreamDecoder,
  utf8Length,
} from '../text/TextStreamDecoder.js';
import type { TooLongPolicy } from './Decoder.js';
import { frameTooLong, PREVIEW_BYTES, type TerminatorWords, tooLongHandler } from './internal.js';

const encoder = new TextEncoder();

/** The end-of-stream error words of `lines`, as bytes or as strings. */
export const LINE_WORDS: TerminatorWords = {
  oversized: 'oversized line (no terminator)',
  unterminated: 'line (no final newline)',
};

/** What textLines needs from LinesOptions, defaults applied. */
export interface TextLinesConfig {
  readonly encoding: TextEncoding;
  readonly max: number;
  readonly failFast: boolean;
  readonly keepEnds: boolean;
  readonly emitAtEnd: boolean;
  readonly onTooLong: TooLongPolicy;
  readonly onDrop: ((error: FrameTooLongError, dropped: number) => void) | undefined;
}

/**
 * Splits text lines by decoding each chunk once and searching the string, instead of decoding each
 * line's bytes separately: one decoder call per chunk, and a line is a string slice. The bound, the
 * too-long policy, fail-fast / fail-slow and end-of-stream rules are those of {@link LinesDecoder},
 * measured in bytes of the encoded line.
 */
export function textLines(config: TextLinesConfig): OperatorFunction<Uint8Array, string> {
  const { max, failFast, keepEnds, emitAtEnd } = config;
  const ascii = config.encoding === 'ascii';
  const bytesOf = (text: string) => (ascii ? text.length : utf8Length(text));
  const preview = (text: string) => encoder.encode(text.slice(0, PREVIEW_BYTES)).subarray(0, PREVIEW_BYTES);

  return (source) =>
    new Observable<string>((subscriber) => {
      const decoder = new TextStreamDecoder(config.encoding, true);
      /** The text of the line still waiting for its newline. */
      let partial = '';
      /** Its encoded length (kept incrementally so a long line is not re-measured per chunk). */
      let partialBytes = 0;
      /** Bytes of an oversized line discarded so far; -1 when not discarding. */
      let discarded = -1;
      let pendingPreview: Uint8Array | undefined;
      /** Reports a too-long line; false when the output has errored. */
      const tooLong = tooLongHandler(config, subscriber);

      const onChunk = (text: string): void => {
        let at = 0;
        for (;;) {
          const lf = text.indexOf('\n', at);
          if (lf < 0) break;
          const segment = text.slice(at, lf);
          at = lf + 1;
          if (discarded >= 0) {
            const total = discarded + bytesOf(segment);
            discarded = -1;
            partial = '';
            partialBytes = 0;
            const p = pendingPreview;
            pendingPreview = undefined;
            if (p !== undefined && !tooLong(frameTooLong(total, max, p))) return;
            continue;
          }
          const line = partial === '' ? segment : partial + segment;
          partial = '';
          partialBytes = 0;
          const crlf = line.charCodeAt(line.length - 1) === 0x0d;
          const content = crlf ? line.slice(0, -1) : line;
          // Measuring the encoded length is needed only when the code-unit count leaves doubt.
          if (content.length > max || (!ascii && content.length * 3 > max && utf8Length(content) > max)) {
            if (!tooLong(frameTooLong(bytesOf(content), max, preview(content)))) return;
            continue;
          }
          subscriber.next(keepEnds ? `${line}\n` : content);
          if (subscriber.closed) return;
        }
        const rest = at === 0 ? text : text.slice(at);
        if (discarded >= 0) {
          discarded += bytesOf(rest);
          return;
        }
        if (rest !== '') {
          partial = partial === '' ? rest : partial + rest;
          partialBytes += bytesOf(rest);
        }
        // Bytes of a character split across chunks count too; they are added to `discarded` once decoded.
        const seen = partialBytes + decoder.pendingBytes;
        if (seen > max + 1) {
          // Provably too long (a full line plus a CR would be max + 1): drop what is buffered.
          const p = preview(partial);
          discarded = partialBytes;
          partial = '';
          partialBytes = 0;
          if (failFast) {
            tooLong(frameTooLong(seen, max, p));
          } else {
            pendingPreview = p;
          }
        }
      };

      const onEnd = (): void => {
        if (!endedWhole(decoder, subscriber)) return;
        if (discarded >= 0) {
          subscriber.error(new TruncatedError(undefined, discarded, LINE_WORDS.oversized));
          return;
        }
        if (partial !== '') {
          if (!emitAtEnd) {
            subscriber.error(new TruncatedError(undefined, partialBytes, LINE_WORDS.unterminated));
            return;
          }
          if (partialBytes > max) {
            if (!tooLong(frameTooLong(partialBytes, max, preview(partial)))) return;
          } else {
            subscriber.next(partial);
          }
        }
        subscriber.complete();
      };

      // A subscriber may push to the source (or end it) synchronously from inside `next`: that text
      // must wait until the chunk being split is done, or it would be joined to the line before the
      // rest of that chunk (and an end would be judged without it).
      let splitting = false;
      const queued: (string | undefined)[] = [];
      const take = (text: string | undefined): void => {
        if (splitting) {
          queued.push(text);
          return;
        }
        splitting = true;
        try {
          for (let next = text; ; next = queued.shift()) {
            if (next === undefined) onEnd();
            else onChunk(next);
            if (queued.length === 0 || subscriber.closed) break;
          }
        } finally {
          splitting = false;
          queued.length = 0;
        }
      };
      return subscribeDecoded(source, subscriber, decoder, take, () => take(undefined));
    });
}
