import { InvalidArgumentError } from '../errors.js';

const EMPTY = new Uint8Array(0);

/** Chunks consumed at the front are dropped from the array in batches, keeping `shift()` off the hot path. */
const COMPACT_AT = 64;
/** Chunks this small are copied into a shared block instead of being kept one object each. */
const SMALL_CHUNK = 512;
const FIRST_BLOCK_SIZE = 1024;
const BLOCK_SIZE = 16 * 1024;

/**
 * The buffer a {@link Decoder} reads from: a queue of received chunks and a read offset, instead of a
 * growing `Buffer.concat`.
 *
 * Total work is linear in the bytes received however the network chunked them (one byte per chunk
 * included): chunks are never re-copied as more arrive, a frame is copied at most once (only when it
 * spans chunks — inside one chunk {@link ChunkQueue.take} returns a zero-copy view), and positions are
 * found through a cursor that remembers the last chunk it visited, so scanning forward through many
 * small chunks costs each chunk once.
 *
 * Offsets in every method are relative to the current read position.
 *
 * Chunks of more than 512 bytes are kept by reference, not copied: do not modify a chunk after pushing
 * it. A zero-copy frame keeps its whole chunk alive, as a `Buffer` slice does. Smaller chunks are
 * copied into blocks (1 KiB growing to 16 KiB), so a peer trickling one byte per packet costs a byte per byte, not an
 * object per byte (the copy is linear, like every other step).
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * q.push(Uint8Array.of(0, 0));
 * q.push(Uint8Array.of(0, 3, 0x61, 0x62, 0x63));
 * q.readUint(0, 4, false); // 3 (read across the chunk boundary, no copy)
 * q.skip(4);
 * q.take(3); // Uint8Array [0x61, 0x62, 0x63], a view of the second chunk
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  /** Index in `#chunks` of the first chunk holding unread bytes. */
  #head = 0;
  /** Read offset inside the head chunk. */
  #offset = 0;
  #length = 0;
  /** Bytes consumed since the queue was created: makes positions absolute for the cursor. */
  #consumed = 0;
  /** Cursor: a chunk index and the absolute position of its first byte. */
  #curIndex = 0;
  #curStart = 0;
  /** The block small chunks are copied into, how much of it is used, and where its open view starts. */
  #block: Uint8Array | undefined;
  #blockUsed = 0;
  #blockStart = 0;
  /** True when the last entry of `#chunks` is the view of `#block` that small chunks extend. */
  #blockOpen = false;
  /**
   * The chunk the last view was cut from, with its `buffer` and `byteOffset`: reading those on a
   * typed array costs more than the view itself, so they are read once per chunk, not once per frame.
   */
  #viewOf: Uint8Array = EMPTY;
  #viewBuffer: ArrayBufferLike = EMPTY.buffer;
  #viewBase = 0;

  /** Unread bytes in the queue. */
  get length(): number {
    return this.#length;
  }

  /** Number of chunks holding unread bytes (for tests and diagnostics). */
  get chunkCount(): number {
    return this.#chunks.length - this.#head;
  }

  /** Appends a chunk (kept by reference). Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    this.#length += n;
    if (n > SMALL_CHUNK) {
      this.#chunks.push(chunk);
      this.#blockOpen = false;
      return;
    }
    let block = this.#block;
    if (block === undefined || block.length - this.#blockUsed < n) {
      // Blocks start at 1 KiB and double to 16 KiB, so an idle peer that sent a header costs 1 KiB.
      const size = block === undefined ? FIRST_BLOCK_SIZE : Math.min(BLOCK_SIZE, block.length * 2);
      block = this.#block = new Uint8Array(size);
      this.#blockUsed = 0;
      this.#blockOpen = false;
    }
    const used = this.#blockUsed;
    if (n === 1) block[used] = chunk[0]!;
    else block.set(chunk, used);
    this.#blockUsed = used + n;
    if (this.#blockOpen) {
      // Grow the open view: its start, and so every offset into it, stays the same.
      const start = this.#blockStart;
      this.#chunks[this.#chunks.length - 1] = new Uint8Array(block.buffer, start, used + n - start);
    } else {
      this.#blockStart = used;
      this.#chunks.push(new Uint8Array(block.buffer, used, n));
      this.#blockOpen = true;
    }
  }

  /** Drops every buffered byte and the references to their chunks. */
  clear(): void {
    this.#forgetView();
    this.#block = undefined;
    this.#blockOpen = false;
    this.#consumed += this.#length;
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#length = 0;
    this.#curIndex = 0;
    this.#curStart = this.#consumed;
  }

  /** The byte at `offset` (0 = next unread byte). */
  byteAt(offset: number): number {
    this.#check(offset, 1);
    const head = this.#chunks[this.#head]!;
    const at = this.#offset + offset;
    if (at < head.length) return head[at]!;
    const chunk = this.#chunks[this.#seek(this.#consumed + offset)]!;
    return chunk[this.#consumed + offset - this.#curStart]!;
  }

  /**
   * Reads an unsigned integer of `size` bytes (1 to 8) at `offset` without consuming it, across chunk
   * boundaries and without copying. Values past 2^53 lose precision (they are beyond any frame bound).
   */
  readUint(offset: number, size: number, littleEndian: boolean): number {
    this.#check(offset, size);
    const head = this.#chunks[this.#head]!;
    const at = this.#offset + offset;
    if (at + size <= head.length) {
      // The common case: the whole field sits in the first chunk.
      if (size === 4 && !littleEndian) {
        return ((head[at]! << 24) | (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!) >>> 0;
      }
      let value = 0;
      if (littleEndian) {
        for (let i = size - 1; i >= 0; i--) value = value * 256 + head[at + i]!;
      } else {
        for (let i = 0; i < size; i++) value = value * 256 + head[at + i]!;
      }
      return value;
    }
    let value = 0;
    if (littleEndian) {
      for (let i = size - 1; i >= 0; i--) value = value * 256 + this.byteAt(offset + i);
    } else {
      for (let i = 0; i < size; i++) value = value * 256 + this.byteAt(offset + i);
    }
    return value;
  }

  /** A copy of `length` bytes at `offset`, not consumed (for error messages: the raw header). */
  peekCopy(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.byteAt(offset + i);
    return out;
  }

  /**
   * The unread bytes of the first chunk as a view, neither copied nor consumed (empty when the queue is
   * empty): a run of contiguous bytes a decoder may work on at once, as `lines({ encoding })` decodes
   * every complete line of a chunk with one text decoder call. Small chunks pushed one after another
   * share a block, so the run may span several of them. The view is valid until the bytes are consumed.
   *
   * @example
   * ```ts
   * const q = new ChunkQueue();
   * q.push(Uint8Array.of(1, 2));
   * q.push(Uint8Array.of(3)); // small chunks share one block
   * q.head(); // Uint8Array [1, 2, 3]
   * ```
   */
  head(): Uint8Array {
    if (this.#length === 0) return EMPTY;
    const chunk = this.#chunks[this.#head]!;
    return this.#view(chunk, this.#offset, chunk.length - this.#offset);
  }

  /**
   * Consumes and returns the next `n` bytes: a zero-copy view when they sit inside one chunk, one
   * copy when they span chunks.
   */
  take(n: number): Uint8Array {
    this.#check(0, n);
    if (n === 0) return EMPTY;
    const head = this.#chunks[this.#head]!;
    const start = this.#offset;
    if (start + n < head.length) {
      // The hot path: the frame sits inside the head chunk, which has bytes left after it.
      // `new Uint8Array(buffer, …)` is cheaper than `subarray` in V8 (no species lookup).
      this.#offset = start + n;
      this.#length -= n;
      this.#consumed += n;
      return this.#view(head, start, n);
    }
    if (start + n === head.length) {
      const view = this.#view(head, start, n);
      this.#advance(n, head);
      return view;
    }
    const out = new Uint8Array(n);
    let written = 0;
    while (written < n) {
      const chunk = this.#chunks[this.#head]!;
      const from = this.#offset;
      const count = Math.min(chunk.length - from, n - written);
      out.set(count === chunk.length ? chunk : chunk.subarray(from, from + count), written);
      written += count;
      this.#advance(count, chunk);
    }
    return out;
  }

  /**
   * Consumes `before + n + after` bytes and returns the `n` in the middle as {@link ChunkQueue.take}
   * would: a frame between its header and its terminator in one call instead of three (one head
   * lookup and one update of the read position, which shows on small frames).
   *
   * @example
   * ```ts
   * const q = new ChunkQueue();
   * q.push(Uint8Array.of(0, 0, 0, 2, 0x68, 0x69, 0x0a));
   * q.takeFrame(4, 2, 1); // Uint8Array [0x68, 0x69]; all 7 bytes consumed
   * ```
   */
  takeFrame(before: number, n: number, after = 0): Uint8Array {
    this.#check(before, n);
    this.#check(before + n, after);
    const head = this.#chunks[this.#head]!;
    const start = this.#offset + before;
    const end = start + n + after;
    if (n > 0 && end < head.length) {
      const consumed = end - this.#offset;
      this.#offset = end;
      this.#length -= consumed;
      this.#consumed += consumed;
      return this.#view(head, start, n);
    }
    this.skip(before);
    const frame = this.take(n);
    this.skip(after);
    return frame;
  }

  /** Consumes and discards the next `n` bytes. */
  skip(n: number): void {
    this.#check(0, n);
    if (n === 0) return;
    const head = this.#chunks[this.#head]!;
    if (this.#offset + n < head.length) {
      this.#offset += n;
      this.#length -= n;
      this.#consumed += n;
      return;
    }
    let left = n;
    while (left > 0) {
      const chunk = this.#chunks[this.#head]!;
      const count = Math.min(chunk.length - this.#offset, left);
      this.#advance(count, chunk);
      left -= count;
    }
  }

  /**
   * The offset of the first occurrence of `needle` (a byte, or a byte sequence) at or after `from`,
   * or -1. A sequence may span chunks.
   *
   * To search incrementally, as bytes arrive, pass as `from` the point where the previous search
   * stopped (`length - needle.length + 1`, not below 0): each byte is then examined a bounded number
   * of times, so finding a delimiter is linear, not quadratic, in the bytes received.
   */
  indexOf(needle: number | Uint8Array, from = 0): number {
    if (typeof needle === 'number') return this.#indexOfByte(needle, from);
    if (needle.length === 0) throw new InvalidArgumentError('indexOf: empty delimiter');
    if (needle.length === 1) return this.#indexOfByte(needle[0]!, from);
    const first = needle[0]!;
    const last = this.#length - needle.length;
    let at = from;
    while (at <= last) {
      const found = this.#indexOfByte(first, at);
      if (found < 0 || found > last) return -1;
      let i = 1;
      while (i < needle.length && this.byteAt(found + i) === needle[i]) i++;
      if (i === needle.length) return found;
      at = found + 1;
    }
    return -1;
  }

  #indexOfByte(byte: number, from: number): number {
    if (from < 0) from = 0;
    if (from >= this.#length) return -1;
    let index = this.#seek(this.#consumed + from);
    let start = this.#curStart;
    let pos = this.#consumed + from - start;
    const chunks = this.#chunks;
    while (index < chunks.length) {
      const chunk = chunks[index]!;
      const found = chunk.indexOf(byte, pos);
      if (found >= 0) {
        this.#curIndex = index;
        this.#curStart = start;
        return start + found - this.#consumed;
      }
      start += chunk.length;
      index++;
      pos = 0;
    }
    // Leave the cursor on the last chunk: the next search resumes there.
    this.#curIndex = index - 1;
    this.#curStart = start - chunks[index - 1]!.length;
    return -1;
  }

  /** Moves the cursor to the chunk holding absolute position `pos` and returns its index. */
  #seek(pos: number): number {
    if (this.#curIndex < this.#head || this.#curStart > pos || this.#curIndex >= this.#chunks.length) {
      this.#curIndex = this.#head;
      this.#curStart = this.#consumed - this.#offset;
    }
    const chunks = this.#chunks;
    let index = this.#curIndex;
    let start = this.#curStart;
    while (start + chunks[index]!.length <= pos) {
      start += chunks[index]!.length;
      index++;
    }
    this.#curIndex = index;
    this.#curStart = start;
    return index;
  }

  /** A view of `n` bytes at `start` in `chunk` (`new Uint8Array(buffer, …)` is cheaper than `subarray`). */
  #view(chunk: Uint8Array, start: number, n: number): Uint8Array {
    if (chunk !== this.#viewOf) {
      this.#viewOf = chunk;
      this.#viewBuffer = chunk.buffer;
      this.#viewBase = chunk.byteOffset;
    }
    return new Uint8Array(this.#viewBuffer, this.#viewBase + start, n);
  }

  #forgetView(): void {
    this.#viewOf = EMPTY;
    this.#viewBuffer = EMPTY.buffer;
  }

  /** Consumes `n` bytes of the head chunk `chunk` (n ≤ its unread bytes). */
  #advance(n: number, chunk: Uint8Array): void {
    this.#offset += n;
    this.#length -= n;
    this.#consumed += n;
    if (this.#offset < chunk.length) return;
    // The head chunk is used up: release it now so a consumed chunk is not kept alive.
    this.#chunks[this.#head] = EMPTY;
    if (this.#viewOf === chunk) this.#forgetView();
    this.#head++;
    this.#offset = 0;
    if (this.#length === 0) {
      this.#chunks.length = 0;
      this.#blockOpen = false;
      this.#head = 0;
      this.#curIndex = 0;
      this.#curStart = this.#consumed;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#curIndex = Math.max(0, this.#curIndex - this.#head);
      if (this.#curIndex === 0) this.#curStart = this.#consumed;
      this.#head = 0;
    }
  }

  #check(offset: number, size: number): void {
    if (!(offset >= 0 && size >= 0 && offset + size <= this.#length)) {
      throw new RangeError(
        `ChunkQueue: ${size} bytes at offset ${offset} are outside the ${this.#length} buffered bytes`,
      );
    }
  }
}
