import { isPortaError } from '@porta/core';
import { catchError, lastValueFrom, map, of, tap, toArray } from 'rxjs';
import { lengthReply } from '../../lengthServer.js';
import { type Log, messages } from '../../messages.js';
import { REMOTE_REQUEST, udpRemoteClient, udpRemoteServer } from '../../udpRemote.js';
import { withServer } from '../../withServer.js';
import { check, type StepContext, type StepOutcome } from '../step.js';
import type { Counts } from '../table.js';
import { type AttemptSpan, drawTimeline } from '../timeline.js';

/**
 * Runs the backoff client against a server that pretends to drop `dropRate` of the requests, records
 * when everything happened, draws the timeline of the waits and counts the datagrams.
 */
async function backoffRun(ctx: StepContext, dropRate: number) {
  const { lang, log } = ctx;
  const spans = new Map<
    number,
    { attempt: number; sentAt: number; waitMs: number; droppedAt?: number; answeredAt?: number }
  >();
  let current = 0;
  let dropped = 0;
  let t0 = 0;
  const now = () => performance.now() - t0;
  const server = udpRemoteServer({ port: 0, lang, log, seed: ctx.seed, dropRate }).pipe(
    tap((e) => {
      if (e.type !== 'dropped') return;
      dropped++;
      const span = spans.get(current);
      if (span) span.droppedAt = now();
    }),
  );
  const outcome = await lastValueFrom(
    withServer(server, (local) =>
      udpRemoteClient({ port: local.port, lang, log }).pipe(
        tap((e) => {
          if (e.type === 'connected') t0 = performance.now();
          if (e.type === 'sent') {
            current = e.attempt;
            spans.set(e.attempt, { attempt: e.attempt, sentAt: now(), waitMs: e.waitMs });
          }
          if (e.type === 'answered') {
            const span = spans.get(e.attempt);
            if (span) span.answeredAt = now();
          }
        }),
        toArray(),
        map((events) => ({ events, error: undefined as unknown })),
        catchError((error: unknown) => of({ events: [], error })),
      ),
    ).pipe(ctx.stoppable()),
  );
  const attempts: AttemptSpan[] = [...spans.values()];
  ctx.out('');
  for (const line of drawTimeline(attempts, { style: ctx.s, lang })) ctx.out(`    ${line}`);
  const answered = attempts.find((a) => a.answeredAt !== undefined);
  const counts: Counts = {
    sent: attempts.length,
    lost: dropped,
    retried: attempts.length - 1,
    rejected: 0,
    answered: answered ? 1 : 0,
  };
  const waits = attempts.map((a) => a.waitMs);
  const waitsInSeconds = waits.map((w) => (w / 1000).toFixed(1)).join(', ');
  return { answered, dropped, waits, waitsInSeconds, counts, ...outcome };
}

/**
 * The tour's udp-remote step: a server that drops about half the requests; the waits double.
 *
 * @example
 * ```ts
 * const { checks } = await udpRemoteStep(ctx);
 * ```
 */
export async function udpRemoteStep(ctx: StepContext): Promise<StepOutcome> {
  const say = ctx.text.udpRemote;
  const run = await backoffRun(ctx, 0.5);
  return {
    counts: run.counts,
    checks: [
      check(say.dropped(ctx.seed, run.dropped), run.dropped >= 1),
      check(
        say.doubled(run.waitsInSeconds),
        run.waits.every((w, i) => w === 100 * 2 ** i),
      ),
      check(
        say.answered(String(run.answered?.attempt ?? '-')),
        run.answered?.attempt === run.dropped + 1 &&
          run.events.some((e) => e.type === 'answered' && e.reply === lengthReply(REMOTE_REQUEST.length)),
      ),
    ],
  };
}

/**
 * The tour's "server down" step: every request dropped; the client gives up after the course's waits.
 *
 * @example
 * ```ts
 * const { checks } = await serverDownStep(ctx);
 * ```
 */
export async function serverDownStep(ctx: StepContext): Promise<StepOutcome> {
  const say = ctx.text.serverDown;
  const lines: string[] = [];
  const log: Log = (line) => {
    lines.push(line);
    ctx.log(line);
  };
  const run = await backoffRun({ ...ctx, log }, 1);
  const down = messages(ctx.lang).udpRemote.down();
  return {
    counts: run.counts,
    checks: [
      check(say.waits(run.waitsInSeconds), run.waits.join() === '100,200,400,800,1600'),
      check(say.gaveUp(), isPortaError(run.error, 'SERVER_UNREACHABLE')),
      check(say.printed(down), lines.includes(down)),
    ],
  };
}
