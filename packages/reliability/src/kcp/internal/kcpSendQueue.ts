import { InvalidArgumentError } from '@porta/core';

/** A segment not yet sent: its payload (≤ mss) and its frg. */
export interface KcpQueuedSegment {
  data: Uint8Array;
  readonly frg: number;
}

/**
 * The bytes a KCP session has been given and not sent yet, cut into segments of at most `mss`. In
 * stream mode the last segment stays open and later bytes fill it up first (kcp-go's stream mode);
 * in message mode one `push` is one message of at most 255 fragments, frg counting down to 0.
 */
export class KcpSendQueue {
  readonly #mss: number;
  readonly #streamMode: boolean;
  readonly #segments: KcpQueuedSegment[] = [];
  /** The whole buffer of the last queued segment, while it is still open for coalescing (stream mode). */
  #tail: Uint8Array | undefined;
  /** Bytes of `#tail` in use. */
  #tailLength = 0;

  constructor(mss: number, streamMode: boolean) {
    this.#mss = mss;
    this.#streamMode = streamMode;
  }

  get length(): number {
    return this.#segments.length;
  }

  /** @throws {@link @porta/core!InvalidArgumentError} for a message over 255 fragments (message mode). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const mss = this.#mss;
    if (this.#streamMode) {
      const tail = this.#tail;
      let at = 0;
      if (tail && this.#tailLength < mss) {
        const take = Math.min(mss - this.#tailLength, data.length);
        tail.set(take === data.length ? data : data.subarray(0, take), this.#tailLength);
        this.#tailLength += take;
        const last = this.#segments[this.#segments.length - 1];
        if (last) last.data = tail.subarray(0, this.#tailLength);
        at = take;
      }
      while (at < data.length) {
        const take = Math.min(mss, data.length - at);
        const buffer = new Uint8Array(mss);
        buffer.set(data.subarray(at, at + take));
        this.#segments.push({ data: buffer.subarray(0, take), frg: 0 });
        this.#tail = buffer;
        this.#tailLength = take;
        at += take;
      }
      return;
    }
    const count = Math.ceil(data.length / mss);
    if (count > 255) {
      throw new InvalidArgumentError(
        `a KCP message of ${data.length} bytes needs ${count} fragments of ${mss}; at most 255 fit`,
      );
    }
    for (let i = 0; i < count; i++) {
      this.#segments.push({ data: data.slice(i * mss, (i + 1) * mss), frg: count - i - 1 });
    }
  }

  /** Takes the oldest segment (closing the open tail when it is the last one). */
  shift(): KcpQueuedSegment | undefined {
    const next = this.#segments.shift();
    if (this.#segments.length === 0) {
      this.#tail = undefined;
      this.#tailLength = 0;
    }
    return next;
  }
}
