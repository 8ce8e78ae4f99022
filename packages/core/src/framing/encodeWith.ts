import { map, type OperatorFunction } from 'rxjs';
import type { Encoder } from './encoder.js';

/**
 * Drives an {@link Encoder} over a stream of messages: each message becomes one frame of bytes. A
 * message the encoder refuses errors the stream with its {@link EncodeError} (`ENCODE`).
 *
 * @example
 * ```ts
 * const replies$ = of(encodeString('hi', 'utf8'), encodeString('there', 'utf8'));
 * replies$.pipe(encodeWith(new LengthFieldEncoder({ lengthFieldLength: 2 })), mergeMap((b) => conn.send(b)));
 * ```
 */
export function encodeWith<T>(encoder: Encoder<T>): OperatorFunction<T, Uint8Array> {
  return map((message) => encoder.encode(message));
}
