const PROBE_INITIAL = 7000;
const PROBE_LIMIT = 120_000;

/**
 * When to ask a peer that advertises a zero window for its window again (WASK), as ikcp.c does:
 * 7 s after the window closed, then each wait ×1.5 up to 120 s; reset once the window reopens.
 */
export class KcpWindowProbe {
  #wait = 0;
  #at = 0;

  /** True when a probe should go out now. Call it at every flush with the window the peer last advertised. */
  due(now: number, remoteWindow: number): boolean {
    if (remoteWindow !== 0) {
      this.#wait = 0;
      this.#at = 0;
      return false;
    }
    if (this.#wait === 0) {
      this.#wait = PROBE_INITIAL;
      this.#at = (now + this.#wait) >>> 0;
      return false;
    }
    if (((now - this.#at) | 0) < 0) return false;
    this.#wait = Math.min(PROBE_LIMIT, Math.max(PROBE_INITIAL, this.#wait) * 1.5);
    this.#at = (now + this.#wait) >>> 0;
    return true;
  }
}
