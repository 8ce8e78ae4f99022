import type { Lang } from '../messages.js';

/** How a value from the command line is shown in a message: as typed, `""` when empty. */
const shown = (value: string) => (value === '' ? '""' : value);

const en = {
  unknownExample: (name: string, names: string) => `unknown example "${name}": expected one of ${names}`,
  optionBeforeExample: (option: string) =>
    `unknown option ${option} before the example: give the example first, e.g. porta udp-local server -p 1060`,
  seeGeneralHelp: () => "Run 'porta --help' for the list.",
  usage: () => 'Usage:',
  seeHelp: (name: string) => `Run 'porta ${name} --help' for details.`,
  unknownOption: (option: string) => `unknown option ${option}`,
  missingValue: (option: string) => `option ${option} needs a value`,
  noValue: (option: string) => `option ${option} takes no value`,
  lang: (got: string) => `--lang must be en or pt, got ${shown(got)}`,
  port: (what: 'port' | 'clientPort', min: number, got: string) =>
    `${what === 'port' ? 'port' : 'CLIENT_PORT'} must be an integer from ${min} to 65535, got ${shown(got)}`,
  clientPortZero: () => "a client needs the server's port: -p 0 only makes sense for a server",
  missingRole: (roles: string) => `missing role: ${roles}`,
  unknownRole: (word: string, roles: string) => `unknown role "${word}": expected ${roles}`,
  serverOrClient: () => 'server or client',
  serverOrClientAlias: () => 'server or client (servidor/cliente)',
  promiscuousRoles: () => 'demo, server, client or attack',
  missingHost: () => 'missing HOST (e.g. 127.0.0.1)',
  missingArgument: () => 'missing argument',
  unexpectedArgument: (word: string) => `unexpected argument "${word}"`,
  seconds: (name: string, got: string) => `--${name} must be a number of seconds, got ${shown(got)}`,
  integer: (name: string, got: string) => `--${name} must be an integer, got ${shown(got)}`,
  unresolved: (host: string) => `cannot resolve host "${host}": give an IP address such as 127.0.0.1`,
  missingClientPort: () => 'missing CLIENT_PORT: the port number the client printed',
  attackWithPort: () =>
    "attack takes the client's port as CLIENT_PORT, not -p: porta promiscuous attack 50339",
};

const pt: typeof en = {
  unknownExample: (name, names) => `exemplo desconhecido "${name}": os exemplos sao ${names}`,
  optionBeforeExample: (option) =>
    `opcao desconhecida ${option} antes do exemplo: de o exemplo primeiro, por exemplo porta udp-local servidor -p 1060`,
  seeGeneralHelp: () => "Rode 'porta --help --lang pt' para a lista.",
  usage: () => 'Uso:',
  seeHelp: (name) => `Rode 'porta ${name} --help --lang pt' para os detalhes.`,
  unknownOption: (option) => `opcao desconhecida ${option}`,
  missingValue: (option) => `a opcao ${option} precisa de um valor`,
  noValue: (option) => `a opcao ${option} nao recebe valor`,
  lang: (got) => `--lang deve ser en ou pt, recebi ${shown(got)}`,
  port: (what, min, got) =>
    `${what === 'port' ? 'a porta' : 'PORTA_DO_CLIENTE'} deve ser um inteiro de ${min} a 65535, recebi ${shown(got)}`,
  clientPortZero: () => 'um cliente precisa da porta do servidor: -p 0 so faz sentido para um servidor',
  missingRole: (roles) => `falta o papel: ${roles}`,
  unknownRole: (word, roles) => `papel desconhecido "${word}": esperava ${roles}`,
  serverOrClient: () => 'servidor ou cliente',
  serverOrClientAlias: () => 'servidor ou cliente (server/client)',
  promiscuousRoles: () => 'demo, servidor, cliente ou attack',
  missingHost: () => 'falta o HOST (por exemplo 127.0.0.1)',
  missingArgument: () => 'falta um argumento',
  unexpectedArgument: (word) => `argumento inesperado "${word}"`,
  seconds: (name, got) => `--${name} deve ser um numero de segundos, recebi ${shown(got)}`,
  integer: (name, got) => `--${name} deve ser um inteiro, recebi ${shown(got)}`,
  unresolved: (host) => `nao consegui resolver o host "${host}": de um endereco IP como 127.0.0.1`,
  missingClientPort: () => 'falta PORTA_DO_CLIENTE: o numero da porta que o cliente imprimiu',
  attackWithPort: () =>
    'attack recebe a porta do cliente como PORTA_DO_CLIENTE, nao com -p: porta promiscuous attack 50339',
};

/**
 * The `porta` command's own messages about its command line, in a console language.
 *
 * @example
 * ```ts
 * usageText('pt').missingHost(); // 'falta o HOST (por exemplo 127.0.0.1)'
 * ```
 */
export function usageText(lang: Lang): typeof en {
  return lang === 'pt' ? pt : en;
}
