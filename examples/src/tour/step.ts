import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Lang, Log } from '../messages.js';
import type { Style } from './style.js';
import type { Counts } from './table.js';
import type { TourText } from './tourText.js';

/** One check the tour made, and whether it held. */
export interface TourCheck {
  readonly label: string;
  readonly ok: boolean;
}

/** What a step of the tour gets: where to write, the language, and how to stop early. */
export interface StepContext {
  readonly lang: Lang;
  /** The examples' own lines, indented under the step's heading. */
  readonly log: Log;
  /** The tour's lines. */
  readonly out: Log;
  readonly s: Style;
  readonly seed: number;
  readonly text: TourText;
  /** Ends the step's work (and closes its sockets) when the tour is stopped (Ctrl+C, SIGTERM, EPIPE). */
  readonly stoppable: <T>() => MonoTypeOperatorFunction<T>;
}

/** What a step found. */
export interface StepOutcome {
  readonly counts: Counts;
  readonly checks: readonly TourCheck[];
}

/**
 * A check: its label and whether it held.
 *
 * @example
 * ```ts
 * check('the reply came from the server', sameEndpoint(from, server));
 * ```
 */
export const check = (label: string, ok: boolean): TourCheck => ({ label, ok });
