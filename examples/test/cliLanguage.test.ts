import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { ServerUnreachableError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { NEVER } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../src/cli/registry.js';
import { diagnose, ExitCode, main, runTour } from '../src/index.js';
import { tourText } from '../src/tour/tourText.js';

trackHandles();

// `--lang pt`: everything the `porta` command says is Portuguese, wherever the flag is on the line.
async function run(args: readonly string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (l) => out.push(...l.split('\n')),
    err: (l) => err.push(...l.split('\n')),
    stdin: process.stdin,
    interrupt: NEVER,
    isTTY: false,
  });
  return { code, out, err };
}

/** English words that no Portuguese line of porta's own says. */
const ENGLISH =
  /\b(the|and|with|show|Usage|Options|default|Run|for details|missing|unknown|expected|got|nothing answered|is the server running)\b/;

const held: (Socket | Server)[] = [];
const accepted: TcpSocket[] = [];
afterEach(async () => {
  for (const s of accepted.splice(0)) s.destroy();
  await Promise.all(held.splice(0).map((h) => new Promise<void>((done) => h.close(() => done()))));
});

/** A UDP port held by a program that never answers. */
async function silentUdp(): Promise<number> {
  const socket = createSocket('udp4');
  held.push(socket);
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  return socket.address().port;
}

/** A TCP server that accepts every connection and never sends a byte. */
async function silentTcp(): Promise<number> {
  const server = createServer((conn) => accepted.push(conn));
  held.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

describe('--lang anywhere on the line', () => {
  it('before the example, after it, and as --lang=pt all give the Portuguese help', async () => {
    const runs = await Promise.all([
      run(['--lang', 'pt', 'udp-local', '--help']),
      run(['udp-local', '--lang', 'pt', '--help']),
      run(['udp-local', '--help', '--lang=pt']),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(ExitCode.Ok);
      expect(r.out).toEqual(runs[0]!.out);
    }
    expect(runs[0]!.out[0]).toBe('Uso: porta udp-local servidor|cliente [-p PORTA] [--timeout SEGUNDOS]');
  });

  it('the last --lang wins', async () => {
    const { out } = await run(['--lang', 'pt', 'tour', '--help', '--lang', 'en']);
    expect(out[0]).toBe('Usage: porta tour [--lang en|pt]');
  });
});

describe('under --lang pt, help is Portuguese', () => {
  it('the general help', async () => {
    const { code, out } = await run(['--lang', 'pt', '--help']);
    expect(code).toBe(ExitCode.Ok);
    expect(out).toContain('Uso: porta <exemplo> <papel> [HOST] [opcoes]');
    for (const line of out) expect(line).not.toMatch(ENGLISH);
  });

  it.each(commands.map((c) => c.name))('%s --help', async (name) => {
    const { out } = await run([name, '--help', '--lang', 'pt']);
    expect(out[0]).toMatch(/^Uso: porta /);
    expect(out).toContain('Opcoes:');
    for (const line of out) expect(line).not.toMatch(ENGLISH);
  });
});

describe('under --lang pt, usage errors are Portuguese (exit code 2)', () => {
  it('a missing HOST: the message, the usage and where to read more', async () => {
    const { code, err } = await run(['--lang', 'pt', 'tcp-16', 'cliente']);
    expect(code).toBe(ExitCode.Usage);
    expect(err).toEqual([
      'porta tcp-16: falta o HOST (por exemplo 127.0.0.1)',
      'Uso: porta tcp-16 servidor|cliente HOST [-p PORTA] [--timeout SEGUNDOS]',
      "Rode 'porta tcp-16 --help --lang pt' para os detalhes.",
    ]);
  });

  it.each([
    [
      ['udp-local', 'servidor', '-p', '-1'],
      'porta udp-local: a porta deve ser um inteiro de 0 a 65535, recebi -1',
    ],
    [['udp-local', 'servidor', '--cor'], 'porta udp-local: opcao desconhecida --cor'],
    [['udp-local', 'cliente', '--timeout'], 'porta udp-local: a opcao --timeout precisa de um valor'],
    [
      ['udp-remote', 'navegador', '127.0.0.1'],
      'porta udp-remote: papel desconhecido "navegador": esperava servidor ou cliente (server/client)',
    ],
    [['tic-tac-toe'], 'porta tic-tac-toe: falta o papel: servidor ou cliente'],
    [
      ['tcp-16', 'cliente', '127.0.0.1', '-p', '0'],
      'porta tcp-16: um cliente precisa da porta do servidor: -p 0 so faz sentido para um servidor',
    ],
    [
      ['promiscuous', 'attack'],
      'porta promiscuous: falta PORTA_DO_CLIENTE: o numero da porta que o cliente imprimiu',
    ],
    [
      ['promiscuous', 'attack', '0'],
      'porta promiscuous: PORTA_DO_CLIENTE deve ser um inteiro de 1 a 65535, recebi 0',
    ],
    [
      ['nada'],
      'porta: exemplo desconhecido "nada": os exemplos sao udp-local, tcp-16, udp-remote, promiscuous, tic-tac-toe, kcp-tunnel, impair, tour',
    ],
  ])('%j → %s', async (args, message) => {
    const { code, out, err } = await run(['--lang', 'pt', ...args]);
    expect(code).toBe(ExitCode.Usage);
    expect(out).toEqual([]);
    expect(err[0]).toBe(message);
    for (const line of err) expect(line).not.toMatch(ENGLISH);
  });
});

describe('a client that waits gives up after --timeout, in the console language (exit code 1)', () => {
  it('udp-local client, a silent server, pt: one Portuguese sentence', async () => {
    const port = await silentUdp();
    const { code, err } = await run([
      'udp-local',
      'cliente',
      '-p',
      String(port),
      '--timeout',
      '0.2',
      '--lang',
      'pt',
    ]);
    expect(code).toBe(ExitCode.Failure);
    expect(err).toEqual([
      `porta udp-local: ninguem respondeu em 127.0.0.1:${port} em 0.2 s; o servidor esta rodando? Inicie um com: porta udp-local server -p ${port}`,
    ]);
  });

  it.each([
    [
      'en',
      (port: number) =>
        `porta tcp-16: nothing answered at 127.0.0.1:${port} within 0.3 s; is the server running? Start one with: porta tcp-16 server 127.0.0.1 -p ${port}`,
    ],
    [
      'pt',
      (port: number) =>
        `porta tcp-16: ninguem respondeu em 127.0.0.1:${port} em 0.3 s; o servidor esta rodando? Inicie um com: porta tcp-16 server 127.0.0.1 -p ${port}`,
    ],
  ] as const)('tcp-16 client, a server that accepts and never answers (%s)', async (lang, message) => {
    const port = await silentTcp();
    const { code, out, err } = await run([
      'tcp-16',
      'client',
      '127.0.0.1',
      '-p',
      String(port),
      '--timeout',
      '0.3',
      '--lang',
      lang,
    ]);
    expect(code).toBe(ExitCode.Failure);
    // It connected (the course's line about its socket name), then gave up.
    expect(out).toHaveLength(1);
    expect(err).toEqual([message(port)]);
  });

  it('tic-tac-toe client, a server that accepts and never starts the game (pt)', async () => {
    const port = await silentTcp();
    const { code, err } = await run([
      '--lang',
      'pt',
      'tic-tac-toe',
      'cliente',
      '127.0.0.1',
      '-p',
      String(port),
      '--timeout',
      '0.3',
    ]);
    expect(code).toBe(ExitCode.Failure);
    expect(err).toEqual([
      `porta tic-tac-toe: ninguem respondeu em 127.0.0.1:${port} em 0.3 s; o servidor esta rodando? Inicie um com: porta tic-tac-toe server 127.0.0.1 -p ${port}`,
    ]);
  });

  it('the udp-remote client giving up, in pt, names the server, the attempts and the time', () => {
    const error = new ServerUnreachableError('the server appears to be down', 5, 3100.4);
    expect(
      diagnose(error, {
        lang: 'pt',
        command: 'udp-remote',
        server: '127.0.0.1:1060',
        startServer: 'porta udp-remote server 127.0.0.1 -p 1060',
      }),
    ).toEqual({
      message:
        'o servidor parece estar fora do ar: nenhuma resposta de 127.0.0.1:1060 apos 5 tentativas em 3100 ms; o servidor esta rodando? Inicie um com: porta udp-remote server 127.0.0.1 -p 1060',
      exitCode: ExitCode.Failure,
    });
  });
});

describe('the tour in pt', () => {
  it("prints its headings, checks, table and summary in Portuguese, with the course's messages", async () => {
    const lines: string[] = [];
    const report = await runTour({ lang: 'pt', out: (l) => lines.push(...l.split('\n')), color: false });
    expect(report.ok).toBe(true);
    const text = lines.join('\n');
    expect(lines[0]).toBe('porta tour: o curso de sockets no loopback, um exemplo de cada vez');
    expect(lines).toContain('1. udp-local: o servidor responde com o tamanho do que recebeu');
    expect(lines).toContain('Resumo');
    expect(text).toContain(
      '│ etapa         │ enviados │ perdidos │ repetidos │ recusados │ respondidos │ resultado │',
    );
    expect(text).toContain(
      '│ servidor fora │        5 │        5 │         4 │         0 │           0 │ ok        │',
    );
    expect(text).toContain('  ✓ imprimiu o "Cliente >> Eu acho que o servidor caiu" do curso');
    expect(text).toContain('Cliente >> Eu acho que o servidor caiu');
    expect(text).toMatch(/tentativa 1 {2}S/);
    expect(lines.at(-1)).toMatch(/^Todas as etapas fizeram o que o curso diz \(\d+\.\d s\)\.$/);
    // None of the English tour's own text is left.
    const en = tourText('en');
    for (const english of [
      en.title(),
      ...Object.values(en.steps).map((title) => title()),
      en.summary(),
      en.timeline.legend,
      en.serverDown.gaveUp(),
      en.ticTacToe.won(),
      en.simulated.fiveCopies(),
      '│ step ',
    ]) {
      expect(text).not.toContain(english);
    }
  }, 60_000);
});
