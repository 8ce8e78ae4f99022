/**
 * Supervision's restart budget: at most `maxRestarts` restarts within any `withinMs` window. Keeps
 * the times of the restarts still inside the window, oldest first (the clock never goes back, so
 * the window is pruned from the front).
 */
export class RestartBudget {
  readonly #maxRestarts: number;
  readonly #withinMs: number;
  #times: number[] = [];
  #head = 0;

  constructor(maxRestarts: number, withinMs: number) {
    this.#maxRestarts = maxRestarts;
    this.#withinMs = withinMs;
  }

  /** True, and the restart is recorded, when one more restart at `now` stays within the budget. */
  take(now: number): boolean {
    const times = this.#times;
    while (this.#head < times.length && now - (times[this.#head] as number) >= this.#withinMs) this.#head++;
    if (this.#head > 64 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    if (this.#times.length - this.#head >= this.#maxRestarts) return false;
    // An unbounded limit needs no history (and must not grow one for ever).
    if (this.#maxRestarts !== Number.POSITIVE_INFINITY) this.#times.push(now);
    return true;
  }
}
