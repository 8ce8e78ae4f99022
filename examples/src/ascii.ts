import { DecodeError } from '@porta/core';

/**
 * Strict ASCII decode of one datagram, as Python's `data.decode('ascii')`: a byte above 0x7f is a
 * `DecodeError` naming its offset. (`decodeText('ascii')` is the operator for byte streams; a single
 * datagram needs only this.)
 */
export function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b > 0x7f) throw new DecodeError(`byte 0x${b.toString(16)} at offset ${i} is not ASCII`, i);
    text += String.fromCharCode(b);
  }
  return text;
}
