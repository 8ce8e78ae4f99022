import { captureOf } from '../../captureOf.js';
import { udpLocalClient, udpLocalServer } from '../../udpLocal.js';
import {
  clientFailureContext,
  clientPort,
  expectPositionals,
  failureContext,
  roleOf,
  seconds,
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

/** `porta udp-local`: the course's udp_local.py. */
export const udpLocal: Command = {
  name: 'udp-local',
  summary: {
    en: 'UDP on this machine: the server answers with the length of what it got',
    pt: 'UDP nesta maquina: o servidor responde com o tamanho do que recebeu',
  },
  usage: {
    en: 'porta udp-local server|client [-p PORT] [--timeout SECONDS]',
    pt: 'porta udp-local servidor|cliente [-p PORTA] [--timeout SEGUNDOS]',
  },
  details: {
    en: `The course's udp_local.py. The server binds 127.0.0.1; the client sends the current time
to 127.0.0.1 and prints the reply and its own socket name.
  --timeout SECONDS  client: how long to wait for the reply (default 5)
  --workers N        server: N processes, each client kept on one of them (default 1)`,
    pt: `O udp_local.py do curso. O servidor se associa a 127.0.0.1; o cliente envia a hora atual
a 127.0.0.1 e imprime a resposta e o nome do proprio socket.
  --timeout SEGUNDOS  cliente: quanto esperar pela resposta (padrao 5)
  --workers N        servidor: N processos, cada cliente sempre no mesmo (padrao 1)`,
  },
  options: { timeout: { type: 'string' }, workers: { type: 'string' } },
  run: async (args, io) => {
    const role = roleOf(args);
    expectPositionals(args, 1);
    const common = { port: args.port, lang: args.lang, log: io.out, ...captureOf(args) };
    if (role === 'server') {
      const workers = workerCount(args);
      if (isWorker()) {
        const worker = { ...io, interrupt: workerInterrupt(io) };
        return runWorker(
          udpLocalServer({ ...common, ...workerUdpSocket(args.port) }),
          worker,
          failureContext(args),
        );
      }
      if (workers > 1)
        return runPrimary({ workers, io, args, host: '127.0.0.1', port: args.port, kind: 'udp' });
      return runCommand(udpLocalServer(common), io, failureContext(args));
    }
    const timeoutMs = seconds(args, 'timeout', 5);
    return runCommand(
      udpLocalClient({ ...common, port: clientPort(args), timeoutMs }),
      io,
      clientFailureContext(args, '127.0.0.1', `porta udp-local server -p ${args.port}`),
    );
  },
};
