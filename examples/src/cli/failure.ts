import { formatEndpoint, isPortaError } from '@porta/core';
import { type Lang, messages } from '../messages.js';
import { ExitCode } from './exitCodes.js';

/** What the command was doing when it failed: enough to suggest the next step. */
export interface FailureContext {
  readonly lang: Lang;
  /** The subcommand, e.g. `tcp-16`. */
  readonly command: string;
  /** The command a person would run to start the missing server, e.g. `porta tcp-16 server 127.0.0.1 -p 1060`. */
  readonly startServer?: string;
  /** The server a client talks to, e.g. `127.0.0.1:1060`, to name it when nothing answered in time. */
  readonly server?: string;
  /** The port asked for with `-p`, to name it when the OS refuses it (EACCES). */
  readonly port?: number;
}

/** A message for stderr and the exit code that goes with it. */
export interface Diagnosis {
  readonly message: string;
  readonly exitCode: ExitCode;
}

const text = {
  en: {
    inUse: (port: number, other: number) => `port ${port} is in use by another program: try -p ${other}`,
    notAvailable: (address: string) =>
      `${address} is not an address of this machine: listen on 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`,
    refused: (where: string) => `nothing answered at ${where} (connection refused)`,
    unreachable: (where: string) => `nothing answered at ${where} (no program has that UDP port open)`,
    start: (command: string) => `is the server running? Start one with: ${command}`,
    denied: (port: string) =>
      `port ${port} needs administrator rights (ports 1-1023 are well-known ports): use a port from 1024 up, such as -p 1060`,
    timeout: (where: string, seconds: number) => `nothing answered at ${where} within ${seconds} s`,
    timeoutSomewhere: (seconds: number) => `nothing answered within ${seconds} s`,
    down: (where: string, attempts: number, ms: number) =>
      `the server appears to be down: no answer from ${where} after ${attempts} attempts in ${ms} ms`,
    reset: () => 'the other side reset the connection',
  },
  pt: {
    inUse: (port: number, other: number) =>
      `a porta ${port} esta em uso por outro programa: tente -p ${other}`,
    notAvailable: (address: string) =>
      `${address} nao e um endereco desta maquina: escute em 127.0.0.1 (so esta maquina) ou 0.0.0.0 (todas as interfaces)`,
    refused: (where: string) => `ninguem respondeu em ${where} (conexao recusada)`,
    unreachable: (where: string) => `ninguem respondeu em ${where} (nenhum programa usa essa porta UDP)`,
    start: (command: string) => `o servidor esta rodando? Inicie um com: ${command}`,
    denied: (port: string) =>
      `a porta ${port} exige privilegios de administrador (as portas 1-1023 sao bem conhecidas): use uma porta a partir de 1024, como -p 1060`,
    timeout: (where: string, seconds: number) => `ninguem respondeu em ${where} em ${seconds} s`,
    timeoutSomewhere: (seconds: number) => `ninguem respondeu em ${seconds} s`,
    down: (where: string, attempts: number, ms: number) =>
      `o servidor parece estar fora do ar: nenhuma resposta de ${where} apos ${attempts} tentativas em ${ms} ms`,
    reset: () => 'o outro lado reiniciou a conexao',
  },
} as const;

/**
 * Turns an error into a message a person can act on and the documented exit code.
 *
 * @example
 * ```ts
 * diagnose(new AddressInUseError('127.0.0.1', 1060), { lang: 'en', command: 'udp-local' });
 * // { message: 'port 1060 is in use by another program: try -p 1061', exitCode: 3 }
 * ```
 */
export function diagnose(error: unknown, context: FailureContext): Diagnosis {
  const say = text[context.lang];
  const hint = context.startServer === undefined ? '' : `; ${say.start(context.startServer)}`;
  if (isPortaError(error, 'ADDRESS_IN_USE')) {
    const port = (error as unknown as { port: number }).port;
    return { message: say.inUse(port, port < 65535 ? port + 1 : port - 1), exitCode: ExitCode.AddressInUse };
  }
  if (isPortaError(error, 'ADDRESS_NOT_AVAILABLE')) {
    const address = (error as unknown as { address: string }).address;
    return { message: say.notAvailable(address), exitCode: ExitCode.AddressNotAvailable };
  }
  if (isPortaError(error, 'CONNECTION_REFUSED') || isPortaError(error, 'PORT_UNREACHABLE')) {
    const { address, port } = error as unknown as { address: string; port: number };
    const where = formatEndpoint({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' });
    const what = error.code === 'CONNECTION_REFUSED' ? say.refused(where) : say.unreachable(where);
    return { message: what + hint, exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'TIMEOUT')) {
    const seconds = (error as unknown as { timeoutMs: number }).timeoutMs / 1000;
    const what =
      context.server === undefined ? say.timeoutSomewhere(seconds) : say.timeout(context.server, seconds);
    return { message: what + hint, exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'SERVER_UNREACHABLE')) {
    // English keeps retryBackoff's own message, which also lists the waits.
    const { attempts, elapsedMs } = error as unknown as { attempts: number; elapsedMs: number };
    const what =
      context.lang === 'en' || context.server === undefined
        ? error.message
        : say.down(context.server, attempts, Math.round(elapsedMs));
    return { message: what + hint, exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'TRUNCATED')) {
    // The server closed early; the course's recvall() raises EOFError with exactly this text.
    const { expected, received } = error as unknown as { expected?: number; received: number };
    const what =
      expected === undefined ? error.message : messages(context.lang).tcp16.eof(expected, received);
    return { message: what, exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'CONNECTION_RESET')) {
    return { message: say.reset(), exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'SOCKET') && (error as { syscallCode?: string }).syscallCode === 'EACCES') {
    // Binding a port below 1024 without privileges: the OS's "permission denied" does not say why.
    return { message: say.denied(String(context.port ?? 'below 1024')), exitCode: ExitCode.Failure };
  }
  if (isPortaError(error, 'INVALID_ARGUMENT')) {
    return { message: error.message, exitCode: ExitCode.Usage };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: ExitCode.Failure };
}
