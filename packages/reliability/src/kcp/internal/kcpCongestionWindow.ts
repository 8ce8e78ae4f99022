/**
 * KCP's congestion window (ikcp.c's `cwnd`, `incr`, `ssthresh`), used when the tuning turns
 * congestion control on: slow start then additive increase as `una` advances, half the flight after
 * a fast or early retransmission, one segment after a timeout.
 */
export class KcpCongestionWindow {
  readonly #mss: number;
  #cwnd = 1;
  #incr = 0;
  #ssthresh = 2;

  constructor(mss: number) {
    this.#mss = mss;
  }

  /** Segments the sender may have in flight. */
  get cwnd(): number {
    return this.#cwnd;
  }

  /** `una` advanced: grow, never past what the peer can take. */
  grow(remoteWindow: number): void {
    if (this.#cwnd >= remoteWindow) return;
    const mss = this.#mss;
    if (this.#cwnd < this.#ssthresh) {
      this.#cwnd++;
      this.#incr += mss;
    } else {
      if (this.#incr < mss) this.#incr = mss;
      this.#incr += (mss * mss) / this.#incr + mss / 16;
      if ((this.#cwnd + 1) * mss <= this.#incr) this.#cwnd = Math.ceil(this.#incr / mss);
    }
    if (this.#cwnd > remoteWindow) {
      this.#cwnd = remoteWindow;
      this.#incr = remoteWindow * mss;
    }
  }

  /**
   * After a flush: `fastOrEarly` segments were resent because later ones were acknowledged (with
   * `inFlight` segments out and the fast-resend threshold `resendAfter`), `timedOut` segments
   * because their timer expired (the flush used `window`).
   */
  afterFlush(
    fastOrEarly: number,
    timedOut: number,
    inFlight: number,
    window: number,
    resendAfter: number,
  ): void {
    const mss = this.#mss;
    if (fastOrEarly > 0) {
      this.#ssthresh = Math.max(2, Math.floor(inFlight / 2));
      this.#cwnd = this.#ssthresh + (Number.isFinite(resendAfter) ? resendAfter : 0);
      this.#incr = this.#cwnd * mss;
    }
    if (timedOut > 0) {
      this.#ssthresh = Math.max(2, Math.floor(window / 2));
      this.#cwnd = 1;
      this.#incr = mss;
    }
    if (this.#cwnd < 1) {
      this.#cwnd = 1;
      this.#incr = mss;
    }
  }
}
