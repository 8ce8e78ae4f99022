import { take } from 'rxjs';
import { runTour } from '../../tour/runTour.js';
import { expectPositionals } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exitCodes.js';

/** `porta tour`: every example on loopback, checked, with a summary. */
export const tour: Command = {
  name: 'tour',
  summary: {
    en: 'every example on loopback, in one process, with a timeline and a summary',
    pt: 'todos os exemplos no loopback, num so processo, com uma linha do tempo e um resumo',
  },
  usage: { en: 'porta tour [--lang en|pt]', pt: 'porta tour [--lang en|pt]' },
  details: {
    en: `Runs udp-local, tcp-16, udp-remote (with drops, and against a silent server),
promiscuous and tic-tac-toe on ephemeral ports, then 1000 backoff clients over a lossy
simulated network in virtual time; checks each did what the course says, and prints a
summary table. Exit code 0 only if every check passed; Ctrl+C stops it (130).`,
    pt: `Roda udp-local, tcp-16, udp-remote (com descartes, e contra um servidor mudo),
promiscuous e tic-tac-toe em portas efemeras, depois 1000 clientes com espera exponencial numa
rede simulada com perdas, em tempo virtual; confere se cada um fez o que o curso diz e imprime
uma tabela de resumo. Codigo de saida 0 so se todas as verificacoes passarem; Ctrl+C o interrompe (130).`,
  },
  usesPort: false,
  options: {},
  run: async (args, io) => {
    expectPositionals(args, 0);
    const stop = new AbortController();
    const interrupted = io.interrupt.pipe(take(1)).subscribe(() => stop.abort());
    try {
      const report = await runTour({ lang: args.lang, out: io.out, color: io.isTTY, signal: stop.signal });
      if (report.stopped) return ExitCode.Interrupted;
      return report.ok ? ExitCode.Ok : ExitCode.Failure;
    } finally {
      interrupted.unsubscribe();
    }
  },
};
