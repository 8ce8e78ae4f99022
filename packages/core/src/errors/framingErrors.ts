// Errors of framing and codecs: a frame too long, corrupt or cut short, bytes that do not decode, a
// value the wire format cannot carry.
import { hexPreview, PortaError } from './portaError.js';

/**
 * A frame's declared or accumulated length exceeds its `maxFrameLength`. `header` holds the bytes shown
 * in the message, and `label` says what they are: `'raw header'` (default) for a length field's header,
 * `'first bytes'` for the start of a frame that has no header (a line, a delimited frame).
 */
export class FrameTooLongError extends PortaError<'FRAME_TOO_LONG'> {
  override readonly name = 'FrameTooLongError';
  constructor(
    readonly length: number,
    readonly maxFrameLength: number,
    readonly header?: Uint8Array,
    label = 'raw header',
  ) {
    super(
      'FRAME_TOO_LONG',
      `frame of ${length} bytes exceeds maxFrameLength ${maxFrameLength}` +
        (header ? ` (${label}: ${hexPreview(header)})` : ''),
    );
  }
}

/** A frame header is inconsistent (negative length, adjusted length shorter than the header, …). */
export class CorruptFrameError extends PortaError<'CORRUPT_FRAME'> {
  override readonly name = 'CorruptFrameError';
  constructor(
    message: string,
    readonly header?: Uint8Array,
  ) {
    super('CORRUPT_FRAME', header ? `${message} (raw header: ${hexPreview(header)})` : message);
  }
}

/** The stream ended in the middle of a frame: the course's EOFError. */
export class TruncatedError extends PortaError<'TRUNCATED'> {
  override readonly name = 'TruncatedError';
  constructor(
    readonly expected: number | undefined,
    readonly received: number,
    what = 'frame',
  ) {
    super(
      'TRUNCATED',
      expected === undefined
        ? `stream ended inside a ${what}: ${received} bytes received before the socket closed`
        : `expected ${expected} bytes but received only ${received} before the socket closed`,
    );
  }
}

/** Bytes could not be decoded as the requested format (e.g. non-ASCII under strict ASCII). */
export class DecodeError extends PortaError<'DECODE'> {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super('DECODE', message);
  }
}

/** A value cannot be carried by the wire format (e.g. a frame too long for its length field). */
export class EncodeError extends PortaError<'ENCODE'> {
  override readonly name = 'EncodeError';
  constructor(message: string) {
    super('ENCODE', message);
  }
}
