import { createInterface } from 'node:readline';
import { Observable, type Subscriber } from 'rxjs';
import type { Lang } from '../messages.js';
import type { Player } from '../ticTacToe/ticTacToe.js';
import type { CliIo } from './cliIo.js';

const text = {
  en: {
    notYourTurn: '(not your turn yet: wait for the other player)',
    noMoreInput: 'no more input: you left the game',
  },
  pt: {
    notYourTurn: '(ainda nao e a sua vez: espere o outro jogador)',
    noMoreInput: 'acabou a entrada: voce saiu do jogo',
  },
} as const;

/**
 * A tic-tac-toe player typing at the terminal: one line per move, asked only on their turn. At a
 * terminal, a line typed out of turn is refused on the spot; from a pipe (`printf '5\n1\n' | porta
 * ...`) lines queue up and are played in order, so a game can be scripted.
 *
 * @example
 * ```ts
 * const { player, close } = terminalPlayer(io, 'en');
 * ticTacToeServer({ player }).subscribe({ complete: close });
 * ```
 */
export function terminalPlayer(io: CliIo, lang: Lang): { player: Player; close: () => void } {
  const say = text[lang];
  const queued: string[] = [];
  let waiting: Subscriber<string> | undefined;
  let ended = false;
  const interactive = (io.stdin as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: io.stdin, terminal: false });
  rl.on('line', (line) => {
    if (waiting !== undefined) {
      const subscriber = waiting;
      waiting = undefined;
      subscriber.next(line);
      subscriber.complete();
    } else if (interactive) io.out(say.notYourTurn);
    else queued.push(line);
  });
  rl.on('close', () => {
    ended = true;
    waiting?.error(new Error(say.noMoreInput));
  });
  const player: Player = () =>
    new Observable<string>((subscriber) => {
      const line = queued.shift();
      if (line !== undefined) {
        subscriber.next(line);
        subscriber.complete();
      } else if (ended) subscriber.error(new Error(say.noMoreInput));
      else waiting = subscriber;
      return () => {
        if (waiting === subscriber) waiting = undefined;
      };
    });
  return { player, close: () => rl.close() };
}
