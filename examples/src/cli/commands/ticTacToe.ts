import { filter, type Observable } from 'rxjs';
import type { TicTacToeEvent } from '../../ticTacToe/ticTacToe.js';
import { ticTacToeClient, ticTacToeServer } from '../../ticTacToe/ticTacToe.js';
import {
  clientFailureContext,
  clientPort,
  expectPositionals,
  failureContext,
  resolveHost,
  roleOf,
  seconds,
  trustedProxies,
} from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exitCodes.js';
import { runCommand } from '../runCommand.js';
import { terminalPlayer } from '../terminalPlayer.js';

/** `porta tic-tac-toe`: the course's suggested exercise, between two terminals. */
export const ticTacToe: Command = {
  name: 'tic-tac-toe',
  summary: {
    en: 'a remote game of tic-tac-toe between two terminals (TCP, one JSON line per message)',
    pt: 'um jogo da velha remoto entre dois terminais (TCP, uma linha JSON por mensagem)',
  },
  usage: {
    en: 'porta tic-tac-toe server|client HOST [-p PORT] [--timeout SECONDS]',
    pt: 'porta tic-tac-toe servidor|cliente HOST [-p PORTA] [--timeout SEGUNDOS]',
  },
  details: {
    en: `The course's suggested exercise. The server's terminal plays X and moves first; the
client's plays O. Type a square number (1-9) when asked. The server is the referee: a malformed
or illegal move gets an error and the game goes on. Exit code 0 when the game ends, 1 if the
other player leaves.
  --timeout SECONDS  client: how long to wait for the server to start the game (default 5);
                     after that, the client waits for the other player as long as they take
  --trust-proxy ADDRESS[/BITS]  server, repeatable: believe the PROXY header from these balancers`,
    pt: `O exercicio sugerido pelo curso. O terminal do servidor joga com X e comeca; o do cliente
joga com O. Digite o numero de uma casa (1-9) quando pedido. O servidor e o juiz: uma jogada
malformada ou ilegal recebe um erro e o jogo continua. Codigo de saida 0 quando o jogo termina,
1 se o outro jogador sair.
  --timeout SEGUNDOS  cliente: quanto esperar o servidor comecar o jogo (padrao 5); depois
                      disso, o cliente espera o outro jogador o tempo que ele levar
  --trust-proxy ENDERECO[/BITS]  servidor, repetivel: acreditar no cabecalho PROXY destes balanceadores`,
  },
  options: { timeout: { type: 'string' }, 'trust-proxy': { type: 'string', multiple: true } },
  run: async (args, io) => {
    const role = roleOf(args);
    expectPositionals(args, 2);
    const host = await resolveHost(args);
    // Every usage check before the terminal is read: a usage error must not leave stdin open.
    const client =
      role === 'client'
        ? { port: clientPort(args), welcomeTimeoutMs: seconds(args, 'timeout', 5) }
        : undefined;
    const trustProxy = role === 'server' ? trustedProxies(args) : [];
    const { player, close } = terminalPlayer(io, args.lang);
    const common = { host, port: args.port, lang: args.lang, log: io.out, player };
    const game: Observable<TicTacToeEvent> =
      client === undefined
        ? ticTacToeServer({ ...common, trustProxy })
        : ticTacToeClient({ ...common, ...client });
    let abandoned = false;
    const code = await runCommand(
      game.pipe(filter((e) => !(e.type === 'abandoned' && (abandoned = true)))),
      io,
      role === 'server'
        ? failureContext(args)
        : clientFailureContext(args, host, `porta tic-tac-toe server ${host} -p ${args.port}`),
    );
    close();
    return code === ExitCode.Ok && abandoned ? ExitCode.Failure : code;
  },
};
