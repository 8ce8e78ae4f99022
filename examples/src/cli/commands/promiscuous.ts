import { familyOf } from '@porta/core';
import { hardenedClient, promiscuousDemo, spoof } from '../../promiscuous.js';
import { udpLocalClient, udpLocalServer } from '../../udpLocal.js';
import {
  clientFailureContext,
  clientPort,
  expectPositionals,
  failureContext,
  lookupHost,
  parsePort,
  seconds,
  UsageError,
} from '../args.js';
import type { Command } from '../command.js';
import { runCommand } from '../runCommand.js';
import { usageText } from '../usageText.js';

/** `porta promiscuous`: the course's "promiscuous clients" experiment. */
export const promiscuous: Command = {
  name: 'promiscuous',
  summary: {
    en: "the spoofed-reply attack: the naive client takes FAKE, porta's does not",
    pt: 'o ataque da resposta forjada: o cliente ingenuo aceita FAKE, o do porta nao',
  },
  usage: {
    en: `porta promiscuous demo
       porta promiscuous server [-p PORT] [--hold SECONDS]
       porta promiscuous client [-p PORT] [--naive] [--timeout SECONDS]
       porta promiscuous attack CLIENT_PORT [--host HOST]`,
    pt: `porta promiscuous demo
       porta promiscuous servidor [-p PORTA] [--hold SEGUNDOS]
       porta promiscuous cliente [-p PORTA] [--naive] [--timeout SEGUNDOS]
       porta promiscuous attack PORTA_DO_CLIENTE [--host HOST]`,
  },
  details: {
    en: `The course's "promiscuous clients" experiment.
  demo     everything at once on loopback: a slow server, the naive client fooled by FAKE,
           porta's client refusing every spoof and taking the real reply
  server   a udp-local server that holds each reply (--hold, default 10 s), like the
           course's server suspended with Ctrl+Z
  client   porta's client, which checks where the reply came from; --naive for the course's
           client, which takes any datagram (--timeout, default 60 s)
  attack   send FAKE to the client's port (the number the client printed)`,
    pt: `O experimento dos "clientes promiscuos" do curso.
  demo      tudo de uma vez no loopback: um servidor lento, o cliente ingenuo enganado por FAKE,
            o cliente do porta recusando cada resposta forjada e aceitando a verdadeira
  servidor  um servidor udp-local que segura cada resposta (--hold, padrao 10 s), como o
            servidor do curso suspenso com Ctrl+Z
  cliente   o cliente do porta, que confere de onde veio a resposta; --naive para o cliente
            do curso, que aceita qualquer datagrama (--timeout, padrao 60 s)
  attack    envia FAKE para a porta do cliente (o numero que o cliente imprimiu)`,
  },
  options: {
    hold: { type: 'string' },
    naive: { type: 'boolean' },
    timeout: { type: 'string' },
    host: { type: 'string' },
  },
  run: async (args, io) => {
    const role = args.positionals[0];
    const common = { lang: args.lang, log: io.out };
    const say = usageText(args.lang);
    switch (role) {
      case 'demo':
        expectPositionals(args, 1);
        return runCommand(promiscuousDemo(common), io, failureContext(args));
      case 'server':
      case 'servidor': {
        expectPositionals(args, 1);
        const holdMs = seconds(args, 'hold', 10);
        return runCommand(udpLocalServer({ ...common, port: args.port, holdMs }), io, failureContext(args));
      }
      case 'client':
      case 'cliente': {
        expectPositionals(args, 1);
        const options = { ...common, port: clientPort(args), timeoutMs: seconds(args, 'timeout', 60) };
        const client = args.values.naive ? udpLocalClient(options) : hardenedClient(options);
        return runCommand(
          client,
          io,
          clientFailureContext(args, '127.0.0.1', `porta promiscuous server -p ${args.port}`),
        );
      }
      case 'attack': {
        if (args.positionals.length < 2) throw new UsageError(say.missingClientPort());
        if (args.values.port !== undefined) throw new UsageError(say.attackWithPort());
        expectPositionals(args, 2);
        const victim = parsePort(args.positionals[1], 'clientPort', false, args.lang);
        const host = await lookupHost(
          typeof args.values.host === 'string' ? args.values.host : '127.0.0.1',
          args.lang,
        );
        return runCommand(
          spoof({ ...common, to: { address: host, port: victim, family: familyOf(host)! } }),
          io,
          failureContext(args),
        );
      }
      default:
        throw new UsageError(
          role === undefined
            ? say.missingRole(say.promiscuousRoles())
            : say.unknownRole(role, say.promiscuousRoles()),
        );
    }
  },
};
