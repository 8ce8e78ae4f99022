import { sameEndpoint } from '@porta/core';
import { firstValueFrom, map } from 'rxjs';
import { lengthReply } from '../../lengthServer.js';
import { pyAddress } from '../../python.js';
import { udpLocalClient, udpLocalServer } from '../../udpLocal.js';
import { withServer } from '../../withServer.js';
import { check, type StepContext, type StepOutcome } from '../step.js';
import { NO_COUNTS } from '../table.js';

/**
 * `udp_local.py`'s request: the text and Python's `str(datetime.now())`, 63 bytes, or 56 in the
 * one millisecond in a thousand whose fraction is zero (Python leaves it out).
 */
const COURSE_TIME_REQUEST = /^Mensagem para o servidor: Hora atual \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/;

/**
 * The tour's udp-local step: one request, its length back, from the server.
 *
 * @example
 * ```ts
 * const { checks } = await udpLocalStep(ctx);
 * ```
 */
export async function udpLocalStep({ lang, log, text, stoppable }: StepContext): Promise<StepOutcome> {
  const say = text.udpLocal;
  const { exchange, server } = await firstValueFrom(
    withServer(udpLocalServer({ port: 0, lang, log }), (server) =>
      udpLocalClient({ port: server.port, bindAddress: '127.0.0.1', lang, log }).pipe(
        map((exchange) => ({ exchange, server })),
      ),
    ).pipe(stoppable()),
  );
  return {
    counts: { ...NO_COUNTS, sent: 1, answered: 1 },
    checks: [
      check(say.request(exchange.request.length), COURSE_TIME_REQUEST.test(exchange.request)),
      check(say.reply(exchange.reply), exchange.reply === lengthReply(exchange.request.length)),
      check(say.from(pyAddress(server)), sameEndpoint(exchange.from, server)),
    ],
  };
}
