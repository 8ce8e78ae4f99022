import { InvalidArgumentError } from '../errors.js';
import { checkNonNegativeInteger, checkOneOf, checkPositiveNumber } from '../optionChecks.js';

/**
 * What happens to an actor whose behaviour fails (its Observable errors, it throws, a send fails,
 * or its mailbox overflows under `fail`):
 *
 * - `stop` — the peer's link is closed (the default, as in Akka Typed: a broken actor is not
 *   silently kept serving).
 * - `restart` — the behaviour runs again for the same peer with fresh state; messages still in the
 *   mailbox and replies already emitted are kept, the message being processed when it failed is
 *   lost. At most `maxRestarts` restarts within any `withinMs` window, then `stop`.
 * - `resume` — the failing message is dropped and the actor goes on with the next one, keeping its
 *   state. This needs a message boundary, so it applies to the one-at-a-time form
 *   (`peer.handle(fn)`: a failure of `fn` for one message). In the stream form (`peer.messages`)
 *   an error has already terminated the behaviour's Observable and its state is gone, so `resume`
 *   acts as `restart` there (same limit, reported as `restarted`).
 *
 * Whatever the strategy, a failing actor never affects the server or any other peer.
 *
 * @example
 * ```ts
 * serve(transport, behaviour, { supervision: { strategy: 'restart', maxRestarts: 3, withinMs: 10_000 } });
 * ```
 */
export type SupervisionStrategy = 'stop' | 'restart' | 'resume';

/**
 * Supervision of every actor of a server. See {@link SupervisionStrategy}.
 *
 * @example
 * ```ts
 * const supervision: SupervisionOptions = { strategy: 'resume' };
 * ```
 */
export interface SupervisionOptions {
  /** Default `stop`. */
  readonly strategy?: SupervisionStrategy;
  /**
   * Restarts allowed within `withinMs` before the actor is stopped. Default 3. `Infinity` never
   * stops; a run that then fails while starting is restarted on the next scheduler turn rather than
   * at once, so a behaviour that always fails costs a restart per turn, not a loop that never yields.
   */
  readonly maxRestarts?: number;
  /** The sliding window for `maxRestarts`, in milliseconds. Default 60,000. */
  readonly withinMs?: number;
}

/** Supervision options with every default filled in (what the runtime applies; not exported by the package). */
export interface ResolvedSupervision {
  readonly strategy: SupervisionStrategy;
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/**
 * Fills in the defaults of {@link SupervisionOptions} and checks them (`serve` calls it; not exported
 * by the package): `resolveSupervision('restart')` is `{ strategy: 'restart', maxRestarts: 3, withinMs: 60000 }`.
 *
 * @throws {@link InvalidArgumentError} for an unknown strategy or a negative limit.
 */
export function resolveSupervision(
  options: SupervisionStrategy | SupervisionOptions = {},
): ResolvedSupervision {
  const o = typeof options === 'string' ? { strategy: options } : options;
  const strategy = checkOneOf(o.strategy ?? 'stop', 'supervision strategy', ['stop', 'restart', 'resume']);
  const maxRestarts = checkNonNegativeInteger(o.maxRestarts ?? 3, 'maxRestarts', { infinity: true });
  const withinMs = checkPositiveNumber(o.withinMs ?? 60_000, 'withinMs', { infinity: true });
  return { strategy, maxRestarts, withinMs };
}
