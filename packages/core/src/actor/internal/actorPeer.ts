import { from, Observable, type ObservableInput, type Subscriber, type Subscription } from 'rxjs';
import { InvalidArgumentError } from '../../errors.js';
import type { Peer } from '../peer.js';
import type { Actor } from './actor.js';

/** Whoever reads the mailbox now: `peer.messages` or `peer.handle(fn)`. */
export interface Consumer {
  /** May take a message now. */
  ready(): boolean;
  /** Holds a taken message that is still being processed (keeps the actor from being idle). */
  busy(): boolean;
  deliver(message: Uint8Array): void;
  /** The mailbox ended and is empty. */
  end(): void;
  /** Its reader unsubscribed: it takes nothing more, and another reader may attach. */
  gone(): boolean;
}

/** The {@link Peer} a behaviour receives for one run; stale once that run ends. */
export class ActorPeer implements Peer {
  readonly id: string;
  readonly local: Peer['local'];
  readonly remote: Peer['remote'];
  readonly transport: string;
  readonly restarts: number;
  readonly messages: Observable<Uint8Array>;
  readonly #actor: Actor;
  readonly #generation: number;

  constructor(actor: Actor, generation: number, restarts: number) {
    this.id = actor.info.id;
    this.local = actor.info.local;
    this.remote = actor.info.remote;
    this.transport = actor.info.transport;
    this.restarts = restarts;
    this.#actor = actor;
    this.#generation = generation;
    this.messages = new Observable<Uint8Array>((subscriber) => {
      // No teardown: the consumer sees its subscriber close (`gone`), so the subscription needs no
      // finalizer list, which RxJS would allocate per peer.
      refused(actor.attach(generation, new MessagesConsumer(subscriber)), subscriber, this.id);
    });
  }

  handle(fn: (message: Uint8Array) => ObservableInput<Uint8Array>): Observable<Uint8Array> {
    const actor = this.#actor;
    const generation = this.#generation;
    return new Observable<Uint8Array>((subscriber) => {
      let busy = false;
      let ended = false;
      let inner: Subscription | undefined;
      const failed = (error: unknown) => {
        busy = false;
        inner = undefined;
        actor.handlingFailed(generation);
        if (actor.tryResume(generation, error)) actor.drive();
        else subscriber.error(error);
      };
      // One observer for every message's output (the per-message path allocates no closures).
      const output = {
        next: (reply: Uint8Array) => subscriber.next(reply),
        error: failed,
        complete: () => {
          busy = false;
          inner = undefined;
          actor.drive();
        },
      };
      const consumer: Consumer = {
        ready: () => !busy && !ended,
        busy: () => busy,
        gone: () => false,
        deliver: (message) => {
          busy = true;
          let sub: Subscription;
          try {
            sub = from(fn(message)).subscribe(output);
          } catch (error) {
            failed(error);
            return;
          }
          if (busy) inner = sub;
        },
        end: () => {
          ended = true;
          subscriber.complete();
        },
      };
      if (refused(actor.attach(generation, consumer), subscriber, this.id)) return;
      return () => {
        inner?.unsubscribe();
        actor.detach(consumer);
      };
    });
  }
}

/** After {@link Actor.attach}: a stale run's reader completes, a second reader fails; true for both. */
function refused(
  status: 'attached' | 'stale' | 'busy',
  subscriber: Subscriber<Uint8Array>,
  id: string,
): boolean {
  if (status === 'stale') subscriber.complete();
  else if (status === 'busy') subscriber.error(secondConsumer(id));
  else return false;
  return true;
}

/** `peer.messages`' reader: one object per subscription, methods on the prototype (no closures). */
class MessagesConsumer implements Consumer {
  readonly #subscriber: Subscriber<Uint8Array>;
  #ended = false;
  constructor(subscriber: Subscriber<Uint8Array>) {
    this.#subscriber = subscriber;
  }
  ready(): boolean {
    return !this.#ended && !this.#subscriber.closed;
  }
  gone(): boolean {
    return this.#subscriber.closed;
  }
  busy(): boolean {
    return false;
  }
  deliver(message: Uint8Array): void {
    this.#subscriber.next(message);
  }
  end(): void {
    this.#ended = true;
    this.#subscriber.complete();
  }
}

function secondConsumer(id: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `peer ${id} already has a reader: subscribe to peer.messages or peer.handle once (share() it to read twice)`,
  );
}
