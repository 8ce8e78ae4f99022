import type { Socket } from 'node:net';

/**
 * Whether a connection's socket reads: it flows while someone reads its bytes and nobody holds it
 * paused (the user's `pause()`, or a `receive` queue over its high-water mark). Also the byte count
 * of every `receive` queue of the connection, for its stats and its idle guard.
 */
export class ReadFlow {
  readonly #socket: Socket;
  // Created on the first hold: most connections are never paused.
  #holders: Set<symbol> | undefined;
  #readers = 0;
  /** Bytes waiting in `receive` queues (including the chunk being handled). */
  queuedBytes = 0;
  /** The largest `queuedBytes` seen. */
  peakQueuedBytes = 0;
  /** How many times a `receive` queue paused the socket. */
  pauses = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** True while anyone holds the socket paused. */
  get held(): boolean {
    return this.#holders !== undefined && this.#holders.size > 0;
  }

  isHeldBy(token: symbol): boolean {
    return this.#holders?.has(token) ?? false;
  }

  /** `token` pauses the socket until it lets go. */
  hold(token: symbol): void {
    (this.#holders ??= new Set()).add(token);
    this.update();
  }

  /** `token` lets go; returns whether it held the socket. */
  letGo(token: symbol): boolean {
    const had = this.#holders?.delete(token) ?? false;
    if (had) this.update();
    return had;
  }

  addReader(): void {
    this.#readers++;
    this.update();
  }

  removeReader(): void {
    this.#readers--;
    this.update();
  }

  /** Bytes entered a `receive` queue. */
  queued(n: number): void {
    this.queuedBytes += n;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
  }

  /** Pauses or resumes the socket to match who reads and who holds it. */
  update(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    const flowing = this.#readers > 0 && !this.held;
    if (flowing && socket.isPaused()) socket.resume();
    else if (!flowing && !socket.isPaused()) socket.pause();
  }
}
