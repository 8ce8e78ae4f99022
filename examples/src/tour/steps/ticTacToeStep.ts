import { lastValueFrom, tap, toArray } from 'rxjs';
import type { Log } from '../../messages.js';
import { boardFromString, renderBoard } from '../../ticTacToe/game.js';
import {
  scriptedPlayer,
  type TicTacToeEvent,
  ticTacToeClient,
  ticTacToeServer,
} from '../../ticTacToe/ticTacToe.js';
import { withServer } from '../../withServer.js';
import { check, type StepContext, type StepOutcome } from '../step.js';

/**
 * The tour's tic-tac-toe step: a scripted game with a malformed and an illegal move; X wins.
 *
 * @example
 * ```ts
 * const { checks } = await ticTacToeStep(ctx);
 * ```
 */
export async function ticTacToeStep({ lang, log, out, text, stoppable }: StepContext): Promise<StepOutcome> {
  const say = text.ticTacToe;
  const quiet: Log = () => {};
  const serverEvents: TicTacToeEvent[] = [];
  // X (server) plays 5, 1, 9; O types a word, then a taken square, then 2 and 3: X wins on the diagonal.
  const clientEvents = await lastValueFrom(
    withServer(
      ticTacToeServer({ port: 0, lang, log: quiet, player: scriptedPlayer(['5', '1', '9']) }).pipe(
        tap((e) => serverEvents.push(e)),
      ),
      (server) =>
        ticTacToeClient({
          port: server.port,
          lang,
          log: quiet,
          player: scriptedPlayer(['banana', '5', '2', '3']),
        }).pipe(toArray()),
    ).pipe(stoppable()),
  );
  for (const e of serverEvents) {
    if (e.type === 'moved') log(say.moved(e.mark, e.square));
    if (e.type === 'refused') log(say.refused(e.mark, e.reason));
  }
  const over = clientEvents.find((e) => e.type === 'over');
  if (over?.type === 'over')
    for (const line of renderBoard(boardFromString(over.board)).split('\n')) out(`      ${line}`);
  const refused = serverEvents.filter((e) => e.type === 'refused');
  const moves = serverEvents.filter((e) => e.type === 'moved' && e.mark === 'O');
  return {
    // O's lines: each was either refused or played, so sent = rejected + answered.
    counts: {
      sent: refused.length + moves.length,
      lost: 0,
      retried: 0,
      rejected: refused.length,
      answered: moves.length,
    },
    checks: [
      check(
        say.malformed(),
        refused.some((e) => e.type === 'refused' && e.reason.startsWith('malformed')),
      ),
      check(
        say.illegal(),
        refused.some((e) => e.type === 'refused' && e.reason.includes('taken')),
      ),
      check(
        say.won(),
        over?.type === 'over' &&
          over.result === 'X' &&
          serverEvents.some((e) => e.type === 'over' && e.board === over.board),
      ),
    ],
  };
}
