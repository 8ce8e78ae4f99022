import { type Endpoint, sameEndpoint } from '@porta/core';
import { firstValueFrom } from 'rxjs';
import { lengthReply } from '../../lengthServer.js';
import { FAKE, promiscuousDemo } from '../../promiscuous.js';
import { pyAddress } from '../../python.js';
import { check, type StepContext, type StepOutcome } from '../step.js';

/**
 * The tour's promiscuous step: a stranger answers first; the naive client is fooled, porta's is not.
 *
 * @example
 * ```ts
 * const { checks } = await promiscuousStep(ctx);
 * ```
 */
export async function promiscuousStep(ctx: StepContext): Promise<StepOutcome> {
  const { lang, log, out, s, stoppable } = ctx;
  const say = ctx.text.promiscuous;
  const demo = await firstValueFrom(promiscuousDemo({ lang, log }).pipe(stoppable()));
  const { naive, hardened, server } = demo;
  out('');
  for (const r of hardened.rejections) {
    out(`    ${s.bad('⊘')} ${say.rejected(pyAddress(r.from), r.text, r.reason)}`);
  }
  const fromServer = (e: Endpoint) => sameEndpoint(e, server);
  return {
    counts: { sent: 2, lost: 0, retried: 0, rejected: hardened.rejections.length, answered: 1 },
    checks: [
      check(
        say.naive(naive.exchange.reply),
        naive.exchange.reply === FAKE && !fromServer(naive.exchange.from),
      ),
      check(
        say.hardened(hardened.spoofs.length),
        hardened.spoofs.length >= 1 && hardened.rejections.length === hardened.spoofs.length,
      ),
      check(
        say.real(pyAddress(server)),
        fromServer(hardened.exchange.from) &&
          hardened.exchange.reply === lengthReply(hardened.exchange.request.length),
      ),
    ],
  };
}
