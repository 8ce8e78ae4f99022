import type { PacketCapture } from '@porta/core';
/**
 * Everything the examples print, in English (the default) and in the course's Portuguese
 * (`--lang pt`), which reproduces the course's Python programs line for line. Only console output is
 * translated: what goes on the wire is always the course's ASCII text, so porta's programs and the
 * Python ones understand each other whatever the language.
 * @module
 */

/** Language of the console output. */
export type Lang = 'en' | 'pt';

/** Where an example writes its console lines (default: `console.log`). */
export type Log = (line: string) => void;

/** Options every example accepts. */
export interface ExampleOptions {
  /** Console language: `en` (default) or `pt` (the course's exact messages). */
  readonly lang?: Lang;
  /** Receives every console line; default `console.log`. */
  readonly log?: Log;
  /**
   * Record this example's sockets in a pcapng capture (`porta … --pcap FILE`); open it with
   * Wireshark or `tshark -r FILE`. Default: none.
   */
  readonly capture?: PacketCapture;
}

const en = {
  // The server of udp_local.py and udp_remote.py prints the same lines in both programs.
  lengthServer: {
    listening: (addr: string) => `Server >> Listening at IP and port ${addr}`,
    received: (addr: string, text: string) =>
      `Server >> The client at IP and port ${addr} sent the message ${text}`,
    dropping: (addr: string) => `Server >> Pretending to drop packet from ${addr}`,
    ignored: (addr: string, reason: string) => `Server >> Ignored a datagram from ${addr}: ${reason}`,
    unsent: (addr: string, reason: string) => `Server >> Could not answer ${addr}: ${reason}`,
  },
  udpLocal: {
    clientName: (addr: string) => `Client >> The client's operating system assigned the IP and port ${addr}`,
    reply: (addr: string, repr: string) => `Client >> The server ${addr} replied ${repr}`,
  },
  tcp16: {
    listening: (addr: string) => `Listening at ${addr}`,
    waiting: () => 'Waiting to accept a new connection',
    accepted: (addr: string) => `We have accepted a connection from ${addr}`,
    socketName: (addr: string) => `  Socket name: ${addr}`,
    socketPeer: (addr: string) => `  Socket peer: ${addr}`,
    received: (repr: string) => `  Incoming sixteen-octet message: ${repr}`,
    replied: () => '  Reply sent, socket closed',
    failed: (reason: string) => `  Gave up on this client: ${reason}`,
    eof: (expected: number, received: number) =>
      `EOFError: expected ${expected} bytes but received only ${received} bytes before the socket closed`,
    clientName: (addr: string) => `Client has been assigned socket name ${addr}`,
    reply: (repr: string) => `The server said ${repr}`,
  },
  udpRemote: {
    clientName: (addr: string) => `Client >> Client socket name: ${addr}`,
    waiting: (seconds: string) => `Client >> Waiting up to ${seconds} seconds for a reply`,
    reply: (repr: string) => `Client >> The server replied ${repr}`,
    down: () => 'Client >> I think the server is down',
  },
  promiscuous: {
    spoofSent: (from: string, to: string, repr: string) =>
      `Attacker >> From ${from}, sent ${repr} to the client at ${to}`,
    rejected: (from: string, reason: string) => `Client >> Rejected a reply from ${from}: ${reason}`,
    wrongPort: (port: number, expected: number) =>
      `it came from port ${port}, but the request went to port ${expected}`,
    wrongAddress: (address: string, expected: string) =>
      `it came from address ${address}, but the request went to ${expected}`,
    delaying: (seconds: string) => `Server >> Holding each reply for ${seconds} seconds (as if suspended)`,
  },
  ticTacToe: {
    listening: (addr: string) => `Tic-tac-toe >> Waiting for an opponent at ${addr}`,
    connected: (addr: string, mark: string) => `Tic-tac-toe >> Playing against ${addr}; you are ${mark}`,
    yourTurn: (mark: string) => `Your move, ${mark} (1-9):`,
    theirTurn: (mark: string) => `Waiting for ${mark} to move...`,
    error: (reason: string) => `Refused: ${reason}`,
    won: (mark: string) => `${mark} wins!`,
    draw: () => 'Draw: the board is full.',
    busy: () => 'a game is already in progress: try again later',
    left: () => 'Your opponent left the game',
  },
} as const;

type Catalogue = typeof en;
type Widen<T> = { readonly [K in keyof T]: { readonly [F in keyof T[K]]: T[K][F] } };

const pt: Widen<Catalogue> = {
  lengthServer: {
    listening: (addr) => `Servidor >> Escutando no IP e porta ${addr}`,
    received: (addr, text) => `Servidor >> O cliente no IP e porta ${addr} enviou a mensagem ${text}`,
    dropping: (addr) => `Servidor >> Fingindo descartar pacote de ${addr}`,
    ignored: (addr, reason) => `Servidor >> Ignorei um datagrama de ${addr}: ${reason}`,
    unsent: (addr, reason) => `Servidor >> Nao consegui responder a ${addr}: ${reason}`,
  },
  udpLocal: {
    clientName: (addr) => `Cliente >> O sistema operacional do cliente informou o IP e porta ${addr}`,
    reply: (addr, repr) => `Cliente >> O servidor ${addr} respondeu ${repr}`,
  },
  tcp16: {
    listening: (addr) => `Escutando em ${addr}`,
    waiting: () => 'Esperando para aceitar uma nova conexao',
    // Python's print('Aceito uma conexao de ', sockname) puts two spaces before the address.
    accepted: (addr) => `Aceito uma conexao de  ${addr}`,
    socketName: (addr) => ` Nome do socket: ${addr}`,
    socketPeer: (addr) => ` Par do socket: ${addr}`,
    received: (repr) => ` Recebendo mensagem do tipo 16 octetos: ${repr}`,
    replied: () => ' Resposta enviada, socket fechado',
    failed: (reason) => ` Desisti deste cliente: ${reason}`,
    // The course's recvall() raises exactly this.
    eof: (expected, received) =>
      `EOFError: esperava ${expected} bytes, mas recebeu apenas ${received} bytes antes do fechamento do socket`,
    clientName: (addr) => `O cliente recebeu um nome de socket ${addr}`,
    reply: (repr) => `O servidor diz ${repr}`,
  },
  udpRemote: {
    clientName: (addr) => `Cliente >> Nome do socket do cliente: ${addr}`,
    waiting: (seconds) => `Cliente >> Aguardando ${seconds} segundos para enviar a resposta`,
    reply: (repr) => `Cliente >> O servidor respondeu ${repr}`,
    down: () => 'Cliente >> Eu acho que o servidor caiu',
  },
  promiscuous: {
    spoofSent: (from, to, repr) => `Invasor >> De ${from}, enviei ${repr} ao cliente em ${to}`,
    rejected: (from, reason) => `Cliente >> Recusei uma resposta de ${from}: ${reason}`,
    wrongPort: (port, expected) => `veio da porta ${port}, mas a requisicao foi para a porta ${expected}`,
    wrongAddress: (address, expected) => `veio do endereco ${address}, mas a requisicao foi para ${expected}`,
    delaying: (seconds) => `Servidor >> Segurando cada resposta por ${seconds} segundos (como se suspenso)`,
  },
  ticTacToe: {
    listening: (addr) => `Jogo da velha >> Esperando um adversario em ${addr}`,
    connected: (addr, mark) => `Jogo da velha >> Jogando contra ${addr}; voce e ${mark}`,
    yourTurn: (mark) => `Sua jogada, ${mark} (1-9):`,
    theirTurn: (mark) => `Esperando a jogada de ${mark}...`,
    error: (reason) => `Recusado: ${reason}`,
    won: (mark) => `${mark} venceu!`,
    draw: () => 'Empate: o tabuleiro esta cheio.',
    busy: () => 'ja ha um jogo em andamento: tente mais tarde',
    left: () => 'Seu adversario saiu do jogo',
  },
};

/**
 * The message catalogue for a language.
 *
 * @example
 * ```ts
 * messages('pt').udpRemote.down(); // 'Cliente >> Eu acho que o servidor caiu'
 * ```
 */
export function messages(lang: Lang = 'en'): Widen<Catalogue> {
  return lang === 'pt' ? pt : en;
}

/**
 * The default console: one line per call on stdout.
 *
 * @example
 * ```ts
 * udpLocalServer({ log: defaultLog });
 * ```
 */
export const defaultLog: Log = (line) => console.log(line);
