import { CLIENT_MESSAGE, SERVER_MESSAGE } from '../../tcp16.js';
import { kcpExchange16 } from '../kcpExchange.js';
import { check, type StepContext, type StepOutcome } from '../step.js';
import { drawTimeline } from '../timeline.js';

/**
 * The tour's KCP step: tcp-16's exchange through KCP + smux at 30% loss each way, in virtual time,
 * every transmission of every data segment on the timeline.
 *
 * @example
 * ```ts
 * const { checks } = await kcpStep(ctx);
 * ```
 */
export function kcpStep({ out, s, lang, text }: StepContext): Promise<StepOutcome> {
  const say = text.kcp;
  const run = kcpExchange16();
  const again = kcpExchange16();
  for (const line of drawTimeline(run.spans, {
    style: s,
    lang,
    answeredAfter: say.acknowledged,
    legend: say.legend,
  })) {
    out(`    ${line}`);
  }
  out(
    `    ${say.run(run.datagrams, run.lost, run.segments, run.retransmissions, (run.virtualMs / 1000).toFixed(2))}`,
  );
  const ok = run.request === CLIENT_MESSAGE && run.reply === SERVER_MESSAGE;
  return Promise.resolve({
    counts: {
      sent: run.segments,
      lost: run.lost,
      retried: run.retransmissions,
      rejected: 0,
      answered: ok ? 1 : 0,
    },
    checks: [
      check(say.server(run.request), run.request === CLIENT_MESSAGE),
      check(say.client(run.reply), run.reply === SERVER_MESSAGE),
      check(say.retransmitted(run.lost, run.retransmissions), run.lost > 0 && run.retransmissions >= 1),
      check(say.repeatable(), JSON.stringify(again) === JSON.stringify(run)),
    ],
  });
}
