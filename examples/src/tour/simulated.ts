import { encodeString, endpoint } from '@porta/core';
import { requester, SimNetwork } from '@porta/reliability';
import {
  catchError,
  ignoreElements,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  range,
  switchMap,
  take,
} from 'rxjs';
import { answerLengths } from '../lengthServer.js';
import { REMOTE_REQUEST } from '../udpRemote.js';

/** The simulated server answers thousands of requests: its lines would drown the tour's histogram. */
const silent = () => {};

/** Options of {@link lossyExchanges}. */
export interface LossyExchangesOptions {
  /** Seed of the simulated network: the same seed gives the same run (default 1). */
  readonly seed?: number;
  /** How many course clients, one request each (default 1000). */
  readonly clients?: number;
  /** Probability that any datagram, request or reply, is lost (default 0.3). */
  readonly lossRate?: number;
  /** One-way delay in ms (default 40, so a round trip fits the course's first 0.1 s wait). */
  readonly delayMs?: number;
}

/** What {@link lossyExchanges} counted. */
export interface LossyExchangesResult {
  readonly clients: number;
  /** `answeredOnAttempt[k]`: clients answered on attempt k + 1. */
  readonly answeredOnAttempt: readonly number[];
  readonly gaveUp: number;
  /** Requests sent, first sends and retries. */
  readonly sent: number;
  readonly retried: number;
  /** Datagrams the network lost, both ways. */
  readonly lost: number;
  /** Virtual time the whole run took. */
  readonly virtualMs: number;
}

/**
 * The course's backoff client at scale: `clients` clients, each sending one request to a server
 * across a simulated network that loses datagrams both ways, each through a plain-mode `requester`
 * with the course's waits (0.1 → 1.6 s, then give up). Runs in virtual time, so thousands of
 * exchanges take milliseconds, and repeats exactly from its seed.
 *
 * @example
 * ```ts
 * const { answeredOnAttempt, gaveUp } = lossyExchanges({ seed: 7, clients: 100 });
 * ```
 */
export function lossyExchanges(options: LossyExchangesOptions = {}): LossyExchangesResult {
  const { seed = 1, clients = 1000, lossRate = 0.3, delayMs = 40 } = options;
  const net = new SimNetwork({ seed, defaultLink: { lossRate, delayMs } });
  const server = endpoint('10.0.0.1', 1060);
  const request = encodeString(REMOTE_REQUEST, 'ascii');
  let sent = 0;

  const serving: Observable<never> = net.bind({ address: server.address, port: server.port }).pipe(
    switchMap((socket) => answerLengths(socket, { log: silent })),
    ignoreElements(),
  );

  const client = (): Observable<number | 'gave up'> =>
    net.bind({ address: '10.0.0.2' }).pipe(
      switchMap((socket) => {
        let attempt = 0;
        const course = requester(socket, {
          mode: 'plain',
          scheduler: net.scheduler,
          retry: {
            onAttempt: (info) => {
              attempt = info.attempt;
              sent++;
            },
          },
        });
        return course.request(request, server).pipe(
          map(() => attempt),
          catchError(() => of('gave up' as const)),
        );
      }),
      take(1),
    );

  const run = net.run(merge(serving, range(0, clients).pipe(mergeMap(client))).pipe(take(clients)));
  const answeredOnAttempt: number[] = [];
  let gaveUp = 0;
  for (const outcome of run.values) {
    if (outcome === 'gave up') gaveUp++;
    else answeredOnAttempt[outcome - 1] = (answeredOnAttempt[outcome - 1] ?? 0) + 1;
  }
  return {
    clients,
    answeredOnAttempt: Array.from(answeredOnAttempt, (n) => n ?? 0),
    gaveUp,
    sent,
    retried: sent - clients,
    lost: net.stats.lost,
    virtualMs: run.elapsedMs,
  };
}
