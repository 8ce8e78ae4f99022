import type { Lang } from '../messages.js';
import type { Command } from './command.js';
import { commands } from './registry.js';

const text = {
  en: {
    usage: 'Usage:',
    options: 'Options:',
    port: '  -p, --port PORT   port number (default 1060)',
    common: [
      "      --lang en|pt  console language: en (default) or pt, the course's exact messages",
      '  -h, --help        show this help',
    ],
    version: '      --version     print the version of porta and exit',
    general: (list: string[]) => [
      "porta: the sockets course's programs over porta (network sockets as RxJS streams)",
      '',
      'Usage: porta <example> <role> [HOST] [options]',
      '',
      'Examples:',
      ...list,
      '',
      "Roles are server/client (or the course's servidor/cliente).",
    ],
    exitCodes: [
      'Exit codes: 0 ok, 1 network failure (nothing answered, server down), 2 usage error,',
      '            3 port in use, 4 address not on this machine, 130 stopped with Ctrl+C or SIGTERM,',
      '            141 the reader of the output went away (porta tour | head -1).',
      '',
      "Run 'porta <example> --help' for an example's roles and options.",
    ],
  },
  pt: {
    usage: 'Uso:',
    options: 'Opcoes:',
    port: '  -p, --port PORTA  numero da porta (padrao 1060)',
    common: [
      '      --lang en|pt  idioma do console: en (padrao) ou pt, as mensagens exatas do curso',
      '  -h, --help        mostra esta ajuda',
    ],
    version: '      --version     imprime a versao do porta e sai',
    general: (list: string[]) => [
      'porta: os programas do curso de sockets sobre o porta (sockets de rede como streams RxJS)',
      '',
      'Uso: porta <exemplo> <papel> [HOST] [opcoes]',
      '',
      'Exemplos:',
      ...list,
      '',
      'Os papeis sao servidor/cliente (ou server/client).',
    ],
    exitCodes: [
      'Codigos de saida: 0 ok, 1 falha de rede (ninguem respondeu, servidor fora do ar), 2 erro de uso,',
      '                  3 porta em uso, 4 endereco que nao e desta maquina, 130 parado com Ctrl+C ou SIGTERM,',
      '                  141 o leitor da saida foi embora (porta tour | head -1).',
      '',
      "Rode 'porta <exemplo> --help' para os papeis e as opcoes de um exemplo.",
    ],
  },
} as const;

/**
 * `porta --help`: every example with its summary, the common options and the exit codes.
 *
 * @example
 * ```ts
 * io.out(generalHelp('en'));
 * ```
 */
export function generalHelp(lang: Lang): string {
  const say = text[lang];
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary[lang]}`);
  return [...say.general(list), say.options, say.port, ...say.common, say.version, '', ...say.exitCodes].join(
    '\n',
  );
}

/**
 * `porta <example> --help`: its usage, what it does, its options and the common ones it uses
 * (no `-p` for a command that takes no port).
 *
 * @example
 * ```ts
 * io.out(commandHelp(udpLocal, 'pt'));
 * ```
 */
export function commandHelp(command: Command, lang: Lang): string {
  const say = text[lang];
  const port = command.usesPort === false ? [] : [say.port];
  return [usageLine(command, lang), '', command.details[lang], '', say.options, ...port, ...say.common].join(
    '\n',
  );
}

/**
 * The usage line printed under a usage error.
 *
 * @example
 * ```ts
 * io.err(usageLine(udpLocal, 'en')); // 'Usage: porta udp-local server|client …'
 * ```
 */
export function usageLine(command: Command, lang: Lang): string {
  return `${text[lang].usage} ${command.usage[lang]}`;
}
