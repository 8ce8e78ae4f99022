import { captureOf } from '../../captureOf.js';
import { udpRemoteClient, udpRemoteServer } from '../../udpRemote.js';
import {
  clientFailureContext,
  clientPort,
  expectPositionals,
  failureContext,
  integer,
  resolveHost,
  roleOf,
} from '../args.js';
import type { Command } from '../command.js';
import { runCommand } from '../runCommand.js';
import {
  isWorker,
  runPrimary,
  runWorker,
  workerCount,
  workerInterrupt,
  workerUdpSocket,
} from '../workers.js';

/** `porta udp-remote`: the course's udp_remote.py. */
export const udpRemote: Command = {
  name: 'udp-remote',
  summary: {
    en: 'UDP with loss: the server drops half the requests, the client backs off',
    pt: 'UDP com perdas: o servidor descarta metade dos pedidos, o cliente espera cada vez mais',
  },
  usage: {
    en: 'porta udp-remote server|client HOST [-p PORT] [--seed N]',
    pt: 'porta udp-remote servidor|cliente HOST [-p PORTA] [--seed N]',
  },
  details: {
    en: `The course's udp_remote.py. The server pretends to drop about half the requests; the
client retries with exponential backoff (waits 0.1, 0.2, 0.4, 0.8, 1.6 s), then gives up:
"I think the server is down" (exit code 1).
  --seed N  server: repeat the same drops; the same N drops the same requests as
            the course's udp_remote.py --seed N
  --workers N  server: N processes, each client kept on one of them (default 1)`,
    pt: `O udp_remote.py do curso. O servidor finge descartar cerca de metade dos pedidos; o
cliente tenta de novo com espera exponencial (0.1, 0.2, 0.4, 0.8, 1.6 s) e entao desiste:
"Eu acho que o servidor caiu" (codigo de saida 1).
  --seed N  servidor: repete os mesmos descartes; o mesmo N descarta os mesmos pedidos
            que o udp_remote.py --seed N do curso
  --workers N  servidor: N processos, cada cliente sempre no mesmo (padrao 1)`,
  },
  options: { seed: { type: 'string' }, workers: { type: 'string' } },
  run: async (args, io) => {
    const role = roleOf(args);
    expectPositionals(args, 2);
    const host = await resolveHost(args);
    const common = { host, port: args.port, lang: args.lang, log: io.out, ...captureOf(args) };
    if (role === 'server') {
      const seed = integer(args, 'seed');
      const workers = workerCount(args);
      if (workers > 1 && !isWorker())
        return runPrimary({ workers, io, args, host, port: args.port, kind: 'udp' });
      const seeded = seed === undefined ? {} : { seed };
      if (isWorker()) {
        return runWorker(
          udpRemoteServer({ ...common, ...workerUdpSocket(args.port), ...seeded }),
          { ...io, interrupt: workerInterrupt(io) },
          failureContext(args),
        );
      }
      return runCommand(udpRemoteServer({ ...common, ...seeded }), io, failureContext(args));
    }
    return runCommand(
      udpRemoteClient({ ...common, port: clientPort(args) }),
      io,
      clientFailureContext(args, host, `porta udp-remote server ${host} -p ${args.port}`),
    );
  },
};
