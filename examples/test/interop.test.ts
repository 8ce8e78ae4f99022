import { endpoint, isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { firstValueFrom, lastValueFrom, type Observable, type Subscription, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hardenedClient,
  lengthReply,
  pythonRandom,
  REMOTE_REQUEST,
  type Rejection,
  spoof,
  tcp16Client,
  tcp16Server,
  udpLocalClient,
  udpLocalServer,
  udpRemoteClient,
  udpRemoteServer,
} from '../src/index.js';
import {
  cleanUpChildren,
  courseClock,
  freePort,
  normalize,
  python,
  pythonSkipReason,
  recorder,
} from './support.js';

// porta's programs against the course's own Python programs, on the wire, in both directions.
const skipReason = pythonSkipReason();
if (skipReason !== undefined) console.warn(`Skipping the Python interoperability tests: ${skipReason}`);

trackHandles();
cleanUpChildren();

/** Starts a porta server in this process; resolves with its port once it listens. Stopped after each test. */
const servers: Subscription[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.unsubscribe();
});
function startServer(server: Observable<{ readonly type: string }>): Promise<number> {
  return new Promise((resolve, reject) => {
    servers.push(
      server.subscribe({
        next: (e) => {
          if (e.type === 'listening' && 'local' in e)
            resolve((e as unknown as { local: { port: number } }).local.port);
        },
        error: reject,
      }),
    );
  });
}

const SEED = 9;
const dropsBeforeAnswer = (seed: number) => {
  const random = pythonRandom(seed);
  let drops = 0;
  while (random() < 0.5) drops++;
  return drops;
};

describe.skipIf(skipReason !== undefined)("interop with the course's Python programs", () => {
  describe('udp_local.py', () => {
    it('porta client → Python server: the reply gives the length, and both print as the course', async () => {
      const port = await freePort('udp');
      const server = python('udp_local.py', ['servidor', '-p', String(port)]);
      await server.line(/^Servidor >> Escutando no IP e porta/);
      const client = recorder();
      const exchange = await firstValueFrom(
        udpLocalClient({ port, bindAddress: '127.0.0.1', now: courseClock, lang: 'pt', log: client.log }),
      );
      expect(exchange.reply).toBe(lengthReply(63));
      expect(exchange.from).toEqual({ address: '127.0.0.1', port, family: 'IPv4' });
      expect(await server.line(/enviou a mensagem/)).toBe(
        `Servidor >> O cliente no IP e porta ('127.0.0.1', ${exchange.local.port}) enviou a mensagem ${exchange.request}`,
      );
      expect(server.stdout[0]).toBe(`Servidor >> Escutando no IP e porta ('127.0.0.1', ${port})`);
    });

    it("Python client → porta server: same reply, and the Python client prints what porta's client prints", async () => {
      const porta = recorder();
      const port = await startServer(udpLocalServer({ port: 0, lang: 'pt', log: porta.log }));
      const client = python('udp_local.py', ['cliente', '-p', String(port)]);
      expect(await client.exited).toBe(0);
      expect(client.stdout).toEqual([
        expect.stringMatching(
          /^Cliente >> O sistema operacional do cliente informou o IP e porta \('0\.0\.0\.0', \d+\)$/,
        ),
        `Cliente >> O servidor ('127.0.0.1', ${port}) respondeu '${lengthReply(63)}'`,
      ]);
      // The request Python sent reached porta's server intact, and porta's server printed it as Python's would.
      expect(normalize(porta.lines[1]!)).toBe(
        'Servidor >> O cliente no IP e porta (ADDR) enviou a mensagem Mensagem para o servidor: Hora atual DATETIME',
      );
      // porta's own client prints the same two lines (up to addresses).
      const own = recorder();
      await firstValueFrom(udpLocalClient({ port, bindAddress: '127.0.0.1', lang: 'pt', log: own.log }));
      expect(own.lines.map(normalize)).toEqual(client.stdout.map(normalize));
    });
  });

  describe('tcp_exemplo.py', () => {
    it('porta client → Python server: sixteen octets each way', async () => {
      const port = await freePort('tcp');
      const server = python('tcp_exemplo.py', ['servidor', '127.0.0.1', '-p', String(port)]);
      await server.line(/^Escutando em/);
      const client = recorder();
      const exchange = await firstValueFrom(tcp16Client({ port, lang: 'pt', log: client.log }));
      expect(new TextDecoder().decode(exchange.reply)).toBe('Fechado, cliente');
      expect(await server.line(/Recebendo mensagem/)).toBe(
        " Recebendo mensagem do tipo 16 octetos: b'Enviei, servidor'",
      );
      await server.line(/Resposta enviada/);
      // Every line the Python server printed, porta's server prints too (porta adds the course's
      // "Nome do socket" / "Par do socket" lines, which the printed course shows).
      const porta = recorder();
      const portaPort = await startServer(tcp16Server({ port: 0, lang: 'pt', log: porta.log }));
      await firstValueFrom(tcp16Client({ port: portaPort, log: () => {} }));
      await new Promise((r) => setTimeout(r, 50));
      for (const line of server.stdout.map(normalize)) expect(porta.lines.map(normalize)).toContain(line);
    });

    it('Python client → porta server: the Python client reads exactly "Fechado, cliente"', async () => {
      const porta = recorder();
      const port = await startServer(tcp16Server({ port: 0, lang: 'pt', log: porta.log }));
      const client = python('tcp_exemplo.py', ['cliente', '127.0.0.1', '-p', String(port)]);
      expect(await client.exited).toBe(0);
      expect(client.stdout).toEqual([
        expect.stringMatching(/^O cliente recebeu um nome de socket \('127\.0\.0\.1', \d+\)$/),
        "O servidor diz b'Fechado, cliente'",
      ]);
      expect(porta.lines).toContain(" Recebendo mensagem do tipo 16 octetos: b'Enviei, servidor'");
      const own = recorder();
      await firstValueFrom(tcp16Client({ port, lang: 'pt', log: own.log }));
      expect(own.lines.map(normalize)).toEqual(client.stdout.map(normalize));
    });
  });

  describe('udp_remote.py', () => {
    const drops = dropsBeforeAnswer(SEED);

    it(`porta client → Python server --seed ${SEED}: backs off through the same drops`, async () => {
      const port = await freePort('udp');
      const server = python('udp_remote.py', [
        'servidor',
        '127.0.0.1',
        '-p',
        String(port),
        '--seed',
        String(SEED),
      ]);
      await server.line(/^Servidor >> Escutando no IP e porta/);
      const client = recorder();
      const events = await lastValueFrom(
        udpRemoteClient({ port, lang: 'pt', log: client.log }).pipe(toArray()),
      );
      expect(events.at(-1)).toMatchObject({ type: 'answered', attempt: drops + 1, reply: lengthReply(53) });
      await server.line(/enviou a mensagem/);
      expect(server.stdout.filter((l) => l.includes('Fingindo descartar'))).toHaveLength(drops);
      // porta's server with the same seed prints what Python's printed.
      const porta = recorder();
      const portaPort = await startServer(
        udpRemoteServer({ port: 0, seed: SEED, lang: 'pt', log: porta.log }),
      );
      await lastValueFrom(udpRemoteClient({ port: portaPort, log: () => {} }));
      expect(porta.lines.map(normalize)).toEqual(server.stdout.map(normalize));
    });

    it(`Python client → porta server --seed ${SEED}: the Python client prints what porta's client prints`, async () => {
      const porta = recorder();
      const port = await startServer(udpRemoteServer({ port: 0, seed: SEED, lang: 'pt', log: porta.log }));
      const client = python('udp_remote.py', ['cliente', '127.0.0.1', '-p', String(port)]);
      expect(await client.exited).toBe(0);
      expect(client.stdout.slice(1)).toEqual([
        ...['0.1', '0.2', '0.4', '0.8']
          .slice(0, drops + 1)
          .map((s) => `Cliente >> Aguardando ${s} segundos para enviar a resposta`),
        `Cliente >> O servidor respondeu '${lengthReply(REMOTE_REQUEST.length)}'`,
      ]);
      expect(porta.lines.filter((l) => l.includes('Fingindo descartar'))).toHaveLength(drops);
      expect(porta.lines.at(-1)).toBe(
        `Servidor >> O cliente no IP e porta ${client.stdout[0]!.slice('Cliente >> Nome do socket do cliente: '.length)} enviou a mensagem '${REMOTE_REQUEST}'`,
      );
      // A fresh porta server with the same seed, and porta's client: the same lines as Python's client.
      const own = recorder();
      const again = await startServer(udpRemoteServer({ port: 0, seed: SEED, log: () => {} }));
      await lastValueFrom(udpRemoteClient({ port: again, lang: 'pt', log: own.log }));
      expect(own.lines.map(normalize)).toEqual(client.stdout.map(normalize));
    });
  });

  describe("the course's experiments, with its own programs", () => {
    it("a suspended Python server (Ctrl+Z): porta's client backs off, then says the server is down", async () => {
      const port = await freePort('udp');
      const server = python('udp_remote.py', ['servidor', '127.0.0.1', '-p', String(port)]);
      await server.line(/^Servidor >> Escutando no IP e porta/);
      server.process.kill('SIGSTOP');
      try {
        const client = recorder();
        const error = await lastValueFrom(
          udpRemoteClient({ port, lang: 'pt', log: client.log, initialWaitMs: 10, maxWaitMs: 200 }),
        ).catch((e: unknown) => e);
        expect(isPortaError(error, 'SERVER_UNREACHABLE')).toBe(true);
        expect(client.lines.at(-1)).toBe('Cliente >> Eu acho que o servidor caiu');
      } finally {
        server.process.kill('SIGCONT');
      }
    });

    it("promiscuous: Python's client takes porta's FAKE; porta's client refuses it and gets the Python server's reply", async () => {
      const port = await freePort('udp');
      const server = python('udp_local.py', ['servidor', '-p', String(port)]);
      await server.line(/^Servidor >> Escutando no IP e porta/);
      server.process.kill('SIGSTOP');
      try {
        // The course's naive client, fooled by porta's attacker.
        const naive = python('udp_local.py', ['cliente', '-p', String(port)]);
        const named = await naive.line(/^Cliente >> O sistema operacional do cliente informou o IP e porta/);
        const victim = Number(/, (\d+)\)$/.exec(named)?.[1]);
        const attacker = await firstValueFrom(spoof({ to: endpoint('127.0.0.1', victim), log: () => {} }));
        expect(await naive.exited).toBe(0);
        expect(naive.stdout.at(-1)).toBe(
          `Cliente >> O servidor ('127.0.0.1', ${attacker.port}) respondeu 'FAKE'`,
        );

        // porta's client: refuses the same attack, and waits for the real server.
        const rejected: Rejection[] = [];
        const exchange = firstValueFrom(
          hardenedClient({
            port,
            bindAddress: '127.0.0.1',
            now: courseClock,
            log: () => {},
            onSent: (local) => {
              spoof({ to: local, log: () => {} }).subscribe({
                complete: () => setTimeout(() => server.process.kill('SIGCONT'), 50),
              });
            },
            onReject: (r) => rejected.push(r),
          }),
        );
        const { reply, from } = await exchange;
        expect(rejected).toHaveLength(1);
        expect(rejected[0]!.text).toBe('FAKE');
        expect(from).toEqual(endpoint('127.0.0.1', port));
        expect(reply).toBe(lengthReply(63));
      } finally {
        server.process.kill('SIGCONT');
      }
    });
  });
});
