import { workerBindMode } from '@porta/core';
import { captureOf } from '../../captureOf.js';
import { tcp16Client, tcp16Server } from '../../tcp16.js';
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
import { runCommand } from '../runCommand.js';
import { isWorker, runPrimary, runWorker, serverPort, shutdownRequests, workerCount } from '../workers.js';

/** `porta tcp-16`: the course's tcp_exemplo.py. */
export const tcp16: Command = {
  name: 'tcp-16',
  summary: {
    en: 'TCP: the 16-octet exchange with recvall',
    pt: 'TCP: a troca de 16 octetos com recvall',
  },
  usage: {
    en: 'porta tcp-16 server|client HOST [-p PORT] [--timeout SECONDS]',
    pt: 'porta tcp-16 servidor|cliente HOST [-p PORTA] [--timeout SEGUNDOS]',
  },
  details: {
    en: `The course's tcp_exemplo.py. The server listens on HOST (127.0.0.1, or 0.0.0.0 for every
interface), reads exactly 16 octets from each client and answers 'Fechado, cliente'. The client
connects to HOST, sends 'Enviei, servidor' and reads exactly 16 octets back.
  --timeout SECONDS  client: how long the whole exchange may take (default 5)
  --trust-proxy ADDRESS[/BITS]  server, repeatable: believe the PROXY header (v1 or v2, as HAProxy's
                     send-proxy sends it) from these balancers and print the real client's address
  --workers N        server: N processes sharing the port (default 1)`,
    pt: `O tcp_exemplo.py do curso. O servidor escuta em HOST (127.0.0.1, ou 0.0.0.0 para todas as
interfaces), le exatamente 16 octetos de cada cliente e responde 'Fechado, cliente'. O cliente
conecta em HOST, envia 'Enviei, servidor' e le exatamente 16 octetos de volta.
  --timeout SEGUNDOS  cliente: quanto a troca inteira pode demorar (padrao 5)
  --trust-proxy ENDERECO[/BITS]  servidor, repetivel: acreditar no cabecalho PROXY (v1 ou v2, como o
                     send-proxy do HAProxy envia) destes balanceadores e mostrar o endereco real do cliente
  --workers N        servidor: N processos na mesma porta (padrao 1)`,
  },
  options: {
    timeout: { type: 'string' },
    'trust-proxy': { type: 'string', multiple: true },
    workers: { type: 'string' },
  },
  run: async (args, io) => {
    const role = roleOf(args);
    expectPositionals(args, 2);
    const host = await resolveHost(args);
    const common = { host, port: args.port, lang: args.lang, log: io.out, ...captureOf(args) };
    if (role === 'server') {
      const trustProxy = trustedProxies(args);
      const workers = workerCount(args);
      // Workers listen on the same port: each its own with reusePort, else cluster's round robin.
      if (workers > 1 && !isWorker())
        return runPrimary({ workers, io, args, host, port: args.port, kind: 'tcp' });
      if (isWorker()) {
        const own = workerBindMode() === 'reusePort' ? { reusePort: true, port: serverPort(args.port) } : {};
        const server = tcp16Server({ ...common, ...own, trustProxy, stop: shutdownRequests() });
        return runWorker(server, io, failureContext(args));
      }
      return runCommand(tcp16Server({ ...common, trustProxy }), io, failureContext(args));
    }
    const timeoutMs = seconds(args, 'timeout', 5);
    return runCommand(
      tcp16Client({ ...common, port: clientPort(args), timeoutMs }),
      io,
      clientFailureContext(args, host, `porta tcp-16 server ${host} -p ${args.port}`),
    );
  },
};
