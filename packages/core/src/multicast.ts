import { Observable, type Subscriber } from 'rxjs';

/**
 * A hot, multicast stream for per-datagram paths, with RxJS `Subject`'s semantics where porta's
 * transports use them: `next` reaches every current subscriber, in subscription order (one that
 * subscribes or unsubscribes meanwhile takes effect from the next value); `error` and `complete`
 * end it, and a later subscriber is told at once; `observed` says whether anyone listens.
 *
 * Why not `Subject`: RxJS's Node build is ES5, so each `Subject.next` allocates a closure and an
 * iterator and steps through it (`bench/udp-peers`: two Subjects per datagram showed in the profile).
 * Here subscribing copies the subscriber list and `next` walks it with an index: nothing allocated
 * per value.
 *
 * @example
 * ```ts
 * const inbound = new Multicast<Uint8Array>();
 * inbound.observable.subscribe((data) => console.log(data.length));
 * inbound.next(new Uint8Array(3)); // 3
 * inbound.complete();
 * ```
 */
export class Multicast<T> {
  /** Replaced, never mutated, on (un)subscribe: a `next` in progress keeps walking its own copy. */
  #subscribers: readonly Subscriber<T>[] = [];
  #ended = false;
  #failed = false;
  #error: unknown;

  /** Subscribing adds a subscriber; after the end it is told the end at once. */
  readonly observable: Observable<T> = new Observable<T>((subscriber) => {
    if (this.#failed) return subscriber.error(this.#error);
    if (this.#ended) return subscriber.complete();
    this.#subscribers = [...this.#subscribers, subscriber];
    return () => {
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
    };
  });

  /** Someone is subscribed. */
  get observed(): boolean {
    return this.#subscribers.length > 0;
  }

  next(value: T): void {
    const subscribers = this.#subscribers;
    for (let i = 0; i < subscribers.length; i++) (subscribers[i] as Subscriber<T>).next(value);
  }

  error(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failed = true;
    this.#error = error;
    for (const subscriber of this.#drain()) subscriber.error(error);
  }

  complete(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const subscriber of this.#drain()) subscriber.complete();
  }

  #drain(): readonly Subscriber<T>[] {
    const subscribers = this.#subscribers;
    this.#subscribers = [];
    return subscribers;
  }
}
