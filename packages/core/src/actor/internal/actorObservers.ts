import type { Actor } from './actor.js';

// What an actor subscribes with: one object per subscription with its methods on the prototype, so
// an idle actor carries no closures for them (bench/tcp-idle).

/** The actor's observer of its link's inbound: one object, methods on the prototype, no closures. */
export class InboundObserver {
  readonly #actor: Actor;
  constructor(actor: Actor) {
    this.#actor = actor;
  }
  next(message: Uint8Array): void {
    this.#actor.onInbound(message);
  }
  error(error: unknown): void {
    this.#actor.inboundFailed(error);
  }
  complete(): void {
    this.#actor.inboundEnded();
  }
}

/** The observer of one run of the behaviour (its replies), made per run: no closures either. */
export class RunObserver {
  readonly #actor: Actor;
  readonly #generation: number;
  constructor(actor: Actor, generation: number) {
    this.#actor = actor;
    this.#generation = generation;
  }
  next(reply: Uint8Array): void {
    this.#actor.replied(this.#generation, reply);
  }
  error(error: unknown): void {
    this.#actor.runFailed(this.#generation, error);
  }
  complete(): void {
    this.#actor.runCompleted(this.#generation);
  }
}
