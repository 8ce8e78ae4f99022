import type { Lang } from '../messages.js';

const en = {
  title: () => 'porta tour: the sockets course on loopback, one example at a time',
  steps: {
    'udp-local': () => 'udp-local: the server answers with the length of what it got',
    'tcp-16': () => 'tcp-16: sixteen octets each way, read with recvall(16)',
    'udp-remote': () => 'udp-remote: a server that pretends to drop half the requests',
    'server down': () => 'udp-remote: a server that drops every request, as good as down',
    promiscuous: () => 'promiscuous clients: a stranger answers first',
    'tic-tac-toe': () => 'tic-tac-toe: a remote game with a referee',
    'kcp-tunnel': () => 'tcp-16 through KCP + smux, over a simulated network that loses 30% each way',
    simulated: () =>
      'the backoff client at scale: 1000 requests over a lossy simulated network, in virtual time',
  },
  /** The step's name in the summary table. */
  stepNames: {
    'udp-local': 'udp-local',
    'tcp-16': 'tcp-16',
    'udp-remote': 'udp-remote',
    'server down': 'server down',
    promiscuous: 'promiscuous',
    'tic-tac-toe': 'tic-tac-toe',
    'kcp-tunnel': 'kcp-tunnel',
    simulated: 'simulated',
  },
  unexpected: (message: string) => `unexpected error: ${message}`,
  udpLocal: {
    request: (bytes: number) => `the request is the course's ${bytes}-byte text`,
    reply: (reply: string) => `the reply gives that length: "${reply}"`,
    from: (server: string) => `the reply came from the server ${server}`,
  },
  tcp16: {
    server: (text: string) => `the server read exactly 16 octets: '${text}'`,
    client: (text: string) => `the client read exactly 16 octets back: '${text}'`,
  },
  udpRemote: {
    dropped: (seed: number, n: number) => `seed ${seed}: the server pretended to drop ${n} requests`,
    doubled: (waits: string) => `each wait doubled: ${waits} s`,
    answered: (attempt: string) => `the client got its answer on attempt ${attempt}`,
  },
  serverDown: {
    waits: (waits: string) => `waits 0.1, 0.2, 0.4, 0.8, 1.6 s, then no more: ${waits}`,
    gaveUp: () => 'gave up with SERVER_UNREACHABLE',
    printed: (line: string) => `printed the course's "${line}"`,
  },
  promiscuous: {
    rejected: (from: string, text: string, reason: string) =>
      `spoof from ${from} carrying '${text}' rejected: ${reason}`,
    naive: (reply: string) => `the naive client accepted '${reply}' from a stranger`,
    hardened: (n: number) => `porta's client rejected all ${n} spoofs`,
    real: (server: string) => `and took the real reply from ${server}`,
  },
  ticTacToe: {
    moved: (mark: string, square: number) => `${mark} plays ${square}`,
    refused: (mark: string, reason: string) => `${mark}'s move refused: ${reason}`,
    malformed: () => 'a malformed move got an error and the game went on',
    illegal: () => 'an illegal move (a taken square) got an error',
    won: () => 'X won, and both terminals saw the same board',
  },
  kcp: {
    acknowledged: (ms: number) => `acknowledged after ${ms} ms`,
    legend: 'S send   x lost   · waiting   T retransmission timeout   ✓ acknowledged',
    run: (datagrams: number, lost: number, segments: number, retransmissions: number, virtualS: string) =>
      `${datagrams} datagrams, ${lost} lost; ${segments} data segments, ${retransmissions} retransmissions; ` +
      `${virtualS} s of virtual time`,
    server: (text: string) => `the server read exactly b'${text}'`,
    client: (text: string) => `the client read exactly b'${text}'`,
    retransmitted: (lost: number, retransmissions: number) =>
      `KCP retransmitted what the network lost (${lost} datagrams lost, ${retransmissions} retransmissions)`,
    repeatable: () => 'the same seed gives the same run',
  },
  simulated: {
    attempt: (n: number) => `answered on attempt ${n}`,
    gaveUp: () => 'gave up',
    run: (clients: number, lossPercent: number, delayMs: number, virtualS: string, realS: string) =>
      `${clients} clients, ${lossPercent}% loss each way, ${delayMs} ms each way: ` +
      `${virtualS} s of virtual time in ${realS} s`,
    everyone: (answered: number, gaveUp: number, clients: number) =>
      `every client was answered or gave up: ${answered} + ${gaveUp} = ${clients}`,
    fiveCopies: () => "nobody sent more than the course's five copies",
    firstTry: (percent: string, loss: number, expected: string) =>
      `${percent}% answered at once, as (1 - ${loss})² = ${expected}% predicts`,
    repeatable: (seed: number) => `the same seed (${seed}) gives the same run`,
  },
  summary: () => 'Summary',
  table: {
    step: 'step',
    sent: 'sent',
    lost: 'lost',
    retried: 'retried',
    rejected: 'rejected',
    answered: 'answered',
    result: 'result',
    total: 'total',
    ok: 'ok',
    failed: 'FAILED',
  },
  timeline: {
    attempt: 'attempt',
    answeredAfter: (ms: number) => `answered after ${ms} ms`,
    timeout: 'timeout',
    legend: 'S send   x dropped   · waiting   T timeout, retry   ✓ answer',
  },
  allGood: (seconds: string) => `Every step did what the course says (${seconds} s).`,
  deviations: (steps: string) => `Deviations from the course in: ${steps}.`,
  stopped: () => 'Stopped before the end of the tour.',
};

/** The tour's own text (what the examples print is in `messages.ts`). */
export type TourText = typeof en;

const pt: TourText = {
  title: () => 'porta tour: o curso de sockets no loopback, um exemplo de cada vez',
  steps: {
    'udp-local': () => 'udp-local: o servidor responde com o tamanho do que recebeu',
    'tcp-16': () => 'tcp-16: dezesseis octetos em cada sentido, lidos com recvall(16)',
    'udp-remote': () => 'udp-remote: um servidor que finge descartar metade dos pedidos',
    'server down': () =>
      'udp-remote: um servidor que descarta todos os pedidos, como se estivesse fora do ar',
    promiscuous: () => 'clientes promiscuos: um estranho responde primeiro',
    'tic-tac-toe': () => 'jogo da velha: uma partida remota com um juiz',
    'kcp-tunnel': () => 'tcp-16 por KCP + smux, numa rede simulada que perde 30% em cada sentido',
    simulated: () =>
      'o cliente com espera exponencial em escala: 1000 pedidos numa rede simulada com perdas, em tempo virtual',
  },
  stepNames: {
    'udp-local': 'udp-local',
    'tcp-16': 'tcp-16',
    'udp-remote': 'udp-remote',
    'server down': 'servidor fora',
    promiscuous: 'promiscuous',
    'tic-tac-toe': 'jogo da velha',
    'kcp-tunnel': 'kcp-tunnel',
    simulated: 'simulada',
  },
  unexpected: (message) => `erro inesperado: ${message}`,
  udpLocal: {
    request: (bytes) => `o pedido e o texto de ${bytes} bytes do curso`,
    reply: (reply) => `a resposta da esse tamanho: "${reply}"`,
    from: (server) => `a resposta veio do servidor ${server}`,
  },
  tcp16: {
    server: (text) => `o servidor leu exatamente 16 octetos: '${text}'`,
    client: (text) => `o cliente leu exatamente 16 octetos de volta: '${text}'`,
  },
  udpRemote: {
    dropped: (seed, n) => `seed ${seed}: o servidor fingiu descartar ${n} pedidos`,
    doubled: (waits) => `cada espera dobrou: ${waits} s`,
    answered: (attempt) => `o cliente recebeu a resposta na tentativa ${attempt}`,
  },
  serverDown: {
    waits: (waits) => `esperas de 0.1, 0.2, 0.4, 0.8, 1.6 s, e nenhuma mais: ${waits}`,
    gaveUp: () => 'desistiu com SERVER_UNREACHABLE',
    printed: (line) => `imprimiu o "${line}" do curso`,
  },
  promiscuous: {
    rejected: (from, text, reason) => `resposta forjada de ${from} com '${text}' recusada: ${reason}`,
    naive: (reply) => `o cliente ingenuo aceitou '${reply}' de um estranho`,
    hardened: (n) => `o cliente do porta recusou as ${n} respostas forjadas`,
    real: (server) => `e aceitou a resposta verdadeira de ${server}`,
  },
  ticTacToe: {
    moved: (mark, square) => `${mark} joga ${square}`,
    refused: (mark, reason) => `jogada de ${mark} recusada: ${reason}`,
    malformed: () => 'uma jogada malformada recebeu um erro e o jogo continuou',
    illegal: () => 'uma jogada ilegal (casa ocupada) recebeu um erro',
    won: () => 'X venceu, e os dois terminais viram o mesmo tabuleiro',
  },
  kcp: {
    acknowledged: (ms) => `confirmado apos ${ms} ms`,
    legend: 'S envio   x perdido   · esperando   T tempo de retransmissao   ✓ confirmado',
    run: (datagrams, lost, segments, retransmissions, virtualS) =>
      `${datagrams} datagramas, ${lost} perdidos; ${segments} segmentos de dados, ${retransmissions} retransmissoes; ` +
      `${virtualS} s de tempo virtual`,
    server: (text) => `o servidor leu exatamente b'${text}'`,
    client: (text) => `o cliente leu exatamente b'${text}'`,
    retransmitted: (lost, retransmissions) =>
      `o KCP retransmitiu o que a rede perdeu (${lost} datagramas perdidos, ${retransmissions} retransmissoes)`,
    repeatable: () => 'a mesma seed da a mesma execucao',
  },
  simulated: {
    attempt: (n) => `respondido na tentativa ${n}`,
    gaveUp: () => 'desistiu',
    run: (clients, lossPercent, delayMs, virtualS, realS) =>
      `${clients} clientes, ${lossPercent}% de perda em cada sentido, ${delayMs} ms em cada sentido: ` +
      `${virtualS} s de tempo virtual em ${realS} s`,
    everyone: (answered, gaveUp, clients) =>
      `todo cliente foi respondido ou desistiu: ${answered} + ${gaveUp} = ${clients}`,
    fiveCopies: () => 'ninguem enviou mais que as cinco copias do curso',
    firstTry: (percent, loss, expected) =>
      `${percent}% respondidos de primeira, como (1 - ${loss})² = ${expected}% preve`,
    repeatable: (seed) => `a mesma seed (${seed}) da a mesma execucao`,
  },
  summary: () => 'Resumo',
  table: {
    step: 'etapa',
    sent: 'enviados',
    lost: 'perdidos',
    retried: 'repetidos',
    rejected: 'recusados',
    answered: 'respondidos',
    result: 'resultado',
    total: 'total',
    ok: 'ok',
    failed: 'FALHOU',
  },
  timeline: {
    attempt: 'tentativa',
    answeredAfter: (ms) => `respondido apos ${ms} ms`,
    timeout: 'tempo esgotado',
    legend: 'S envio   x descartado   · esperando   T tempo esgotado, nova tentativa   ✓ resposta',
  },
  allGood: (seconds) => `Todas as etapas fizeram o que o curso diz (${seconds} s).`,
  deviations: (steps) => `Desvios do curso em: ${steps}.`,
  stopped: () => 'Parado antes do fim do tour.',
};

/**
 * The tour's headings, checks, table and summary in a console language.
 *
 * @example
 * ```ts
 * tourText('pt').summary(); // 'Resumo'
 * ```
 */
export function tourText(lang: Lang = 'en'): TourText {
  return lang === 'pt' ? pt : en;
}
