import { firstValueFrom, tap } from 'rxjs';
import { CLIENT_MESSAGE, SERVER_MESSAGE, tcp16Client, tcp16Server } from '../../tcp16.js';
import { withServer } from '../../withServer.js';
import { check, type StepContext, type StepOutcome } from '../step.js';
import { NO_COUNTS } from '../table.js';

/**
 * The tour's tcp-16 step: sixteen octets each way.
 *
 * @example
 * ```ts
 * const { checks } = await tcp16Step(ctx);
 * ```
 */
export async function tcp16Step({ lang, log, text, stoppable }: StepContext): Promise<StepOutcome> {
  let received = '';
  const exchange = await firstValueFrom(
    withServer(
      tcp16Server({ port: 0, lang, log }).pipe(
        tap((e) => {
          if (e.type === 'answered') received = new TextDecoder().decode(e.message);
        }),
      ),
      (server) => tcp16Client({ port: server.port, lang, log }),
    ).pipe(stoppable()),
  );
  const reply = new TextDecoder().decode(exchange.reply);
  return {
    counts: { ...NO_COUNTS, sent: 1, answered: 1 },
    checks: [
      check(text.tcp16.server(received), received === CLIENT_MESSAGE),
      check(text.tcp16.client(reply), reply === SERVER_MESSAGE),
    ],
  };
}
