import { endpoint } from '@porta/core';
import { impairmentProxy } from '@porta/reliability';
import { bindUdp } from '@porta/udp';
import { map, Observable, switchMap } from 'rxjs';
import { expectPositionals, failureContext, integer, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { hostPort, probability } from '../hostPort.js';
import { runCommand } from '../runCommand.js';

/** `porta impair`: the impairment proxy as a command. */
export const impair: Command = {
  name: 'impair',
  summary: {
    en: "UDP proxy that drops, delays, duplicates and reorders: the course's lossy network, for any program",
    pt: 'proxy UDP que perde, atrasa, duplica e reordena: a rede com perdas do curso, para qualquer programa',
  },
  usage: {
    en: 'porta impair -l ADDR:PORT -t ADDR:PORT [--loss P] [--delay MS] [--duplicate P] [--reorder P] [--seed N]',
    pt: 'porta impair -l END:PORTA -t END:PORTA [--loss P] [--delay MS] [--duplicate P] [--reorder P] [--seed N]',
  },
  details: {
    en: `Listens for UDP datagrams on -l and forwards them to -t, and the replies back, each way
through the same impairment from a seeded random source (the same seed, the same losses):
  --loss P       probability a datagram is dropped (0 to 1, default 0)
  --delay MS     added delay in ms (default 0)
  --duplicate P  probability a datagram is sent twice (default 0)
  --reorder P    probability a datagram is held back behind later ones (default 0)
  --seed N       seed of the random source (default 1)
On Ctrl+C it prints what it did.`,
    pt: `Escuta datagramas UDP em -l e os encaminha para -t, e as respostas de volta, cada sentido
pela mesma degradacao, de uma fonte aleatoria com semente (mesma semente, mesmas perdas):
  --loss P       probabilidade de perder um datagrama (0 a 1, padrao 0)
  --delay MS     atraso acrescentado em ms (padrao 0)
  --duplicate P  probabilidade de enviar um datagrama duas vezes (padrao 0)
  --reorder P    probabilidade de segurar um datagrama atras dos seguintes (padrao 0)
  --seed N       semente da fonte aleatoria (padrao 1)
Com Ctrl+C imprime o que fez.`,
  },
  options: {
    listen: { type: 'string', short: 'l' },
    target: { type: 'string', short: 't' },
    loss: { type: 'string' },
    delay: { type: 'string' },
    duplicate: { type: 'string' },
    reorder: { type: 'string' },
    seed: { type: 'string' },
  },
  run: async (args, io) => {
    expectPositionals(args, 0);
    const listen = hostPort(args, 'listen');
    const target = hostPort(args, 'target');
    const delayMs = integer(args, 'delay') ?? 0;
    if (delayMs < 0) throw new UsageError(`--delay must be ≥ 0 ms, got ${delayMs}`);
    const settings = {
      lossRate: probability(args, 'loss', 0),
      duplicateRate: probability(args, 'duplicate', 0),
      reorderRate: probability(args, 'reorder', 0),
      delayMs,
      seed: integer(args, 'seed') ?? 1,
    };
    const proxy: Observable<void> = impairmentProxy({
      bind: bindUdp,
      listen,
      target: endpoint(target.address, target.port),
      ...settings,
    }).pipe(
      switchMap(
        (running) =>
          new Observable<void>(() => {
            io.out(
              `impairing UDP ${running.local.address}:${running.local.port} → ${target.address}:${target.port}: ` +
                `loss ${settings.lossRate}, delay ${delayMs} ms, duplicate ${settings.duplicateRate}, ` +
                `reorder ${settings.reorderRate}, seed ${settings.seed}`,
            );
            return () => {
              const { requests, replies } = running.stats;
              io.out(`requests: ${JSON.stringify(requests)}`);
              io.out(`replies: ${JSON.stringify(replies)}`);
            };
          }),
      ),
      map(() => undefined),
    );
    return runCommand(proxy, io, failureContext(args));
  },
};
