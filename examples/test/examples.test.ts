import { isPortaError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { connectTcp } from '@porta/tcp';
import { bindUdp } from '@porta/udp';
import { concat, defer, firstValueFrom, lastValueFrom, map, of, switchMap, take, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  hardenedClient,
  lengthReply,
  messages,
  promiscuousDemo,
  pythonRandom,
  REMOTE_REQUEST,
  type Tcp16ServerEvent,
  tcp16Client,
  tcp16Server,
  udpLocalClient,
  udpLocalServer,
  udpRemoteClient,
  udpRemoteServer,
  withServer,
} from '../src/index.js';
import { courseClock, recorder } from './support.js';

trackHandles();

describe('udp-local', () => {
  it('answers the client with the length of its request, from the server address', async () => {
    const server = recorder();
    const client = recorder();
    const { exchange, local } = await firstValueFrom(
      withServer(udpLocalServer({ port: 0, log: server.log, lang: 'pt' }), (local) =>
        udpLocalClient({
          port: local.port,
          bindAddress: '127.0.0.1',
          now: courseClock,
          log: client.log,
          lang: 'pt',
        }).pipe(map((exchange) => ({ exchange, local }))),
      ),
    );
    expect(exchange.request).toMatch(
      /^Mensagem para o servidor: Hora atual \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/,
    );
    expect(exchange.reply).toBe(lengthReply(63));
    expect(exchange.from).toEqual(local);
    expect(server.lines[0]).toBe(`Servidor >> Escutando no IP e porta ('127.0.0.1', ${local.port})`);
    expect(server.lines[1]).toBe(
      `Servidor >> O cliente no IP e porta ('127.0.0.1', ${exchange.local.port}) enviou a mensagem ${exchange.request}`,
    );
    expect(client.lines).toEqual([
      `Cliente >> O sistema operacional do cliente informou o IP e porta ('127.0.0.1', ${exchange.local.port})`,
      `Cliente >> O servidor ('127.0.0.1', ${local.port}) respondeu '${lengthReply(63)}'`,
    ]);
  });

  it('ignores a datagram that is not ASCII (saying so) and goes on answering', async () => {
    const server = recorder();
    const exchange = await firstValueFrom(
      withServer(udpLocalServer({ port: 0, log: server.log }), (local) =>
        bindUdp({ port: 0 }).pipe(
          // Closing the rogue socket once its datagram is out.
          switchMap((rogue) => concat(rogue.send(Uint8Array.of(0xff), local), of(true))),
          take(1),
          switchMap(() =>
            udpLocalClient({ port: local.port, bindAddress: '127.0.0.1', now: courseClock, log: () => {} }),
          ),
        ),
      ),
    );
    expect(exchange.reply).toBe(lengthReply(63));
    expect(server.lines[1]).toMatch(
      /^Server >> Ignored a datagram from \('127\.0\.0\.1', \d+\): byte 0xff at offset 0 is not ASCII$/,
    );
  });

  it('fails with TIMEOUT, naming the address, when nothing answers', async () => {
    // A bound socket that never answers: the client must give up rather than wait forever.
    const error = await firstValueFrom(
      bindUdp({ port: 0 }).pipe(
        switchMap((silent) =>
          udpLocalClient({ port: silent.local.port, bindAddress: '127.0.0.1', timeoutMs: 50, log: () => {} }),
        ),
        map(() => undefined),
      ),
    ).catch((e: unknown) => e);
    expect(isPortaError(error, 'TIMEOUT')).toBe(true);
    expect((error as Error).message).toMatch(/^nothing answered at 127\.0\.0\.1:\d+ within 0\.05 s$/);
  });
});

describe('tcp-16', () => {
  it('exchanges exactly sixteen octets each way and prints both socket names', async () => {
    const server = recorder();
    const client = recorder();
    const received: string[] = [];
    const exchange = await firstValueFrom(
      withServer(
        tcp16Server({ port: 0, log: server.log, lang: 'pt' }).pipe(
          tap((e) => e.type === 'answered' && received.push(new TextDecoder().decode(e.message))),
        ),
        (local) => tcp16Client({ port: local.port, log: client.log, lang: 'pt' }),
      ),
    );
    expect(new TextDecoder().decode(exchange.reply)).toBe('Fechado, cliente');
    expect(received).toEqual(['Enviei, servidor']);
    const me = `('127.0.0.1', ${exchange.local.port})`;
    const it = `('127.0.0.1', ${exchange.remote.port})`;
    expect(client.lines).toEqual([
      `O cliente recebeu um nome de socket ${me}`,
      `O servidor diz b'Fechado, cliente'`,
    ]);
    expect(server.lines.slice(0, 6)).toEqual([
      `Escutando em ${it}`,
      'Esperando para aceitar uma nova conexao',
      `Aceito uma conexao de  ${me}`,
      ` Nome do socket: ${it}`,
      ` Par do socket: ${me}`,
      " Recebendo mensagem do tipo 16 octetos: b'Enviei, servidor'",
    ]);
  });

  it('reports a client that closes after 9 octets (TRUNCATED, with the counts) and keeps serving', async () => {
    const events: Tcp16ServerEvent[] = [];
    const server = recorder();
    const short = new TextEncoder().encode('Enviei, s');
    const exchange = await firstValueFrom(
      withServer(
        tcp16Server({ port: 0, lang: 'pt', log: server.log }).pipe(tap((e) => events.push(e))),
        (local) =>
          connectTcp({ host: '127.0.0.1', port: local.port }).pipe(
            // Send 9 octets, half-close, and wait for the server to hang up.
            switchMap((conn) =>
              concat(
                conn.send(short),
                defer(() => {
                  conn.end();
                  return conn.bytes;
                }),
              ).pipe(toArray()),
            ),
            switchMap(() => tcp16Client({ port: local.port, log: () => {} })),
          ),
      ),
    );
    const failed = events.find((e) => e.type === 'failed');
    expect(failed?.type === 'failed' && isPortaError(failed.error, 'TRUNCATED')).toBe(true);
    expect(failed?.type === 'failed' && failed.error.message).toBe(
      'expected 16 bytes but received only 9 before the socket closed',
    );
    expect(new TextDecoder().decode(exchange.reply)).toBe('Fechado, cliente');
    // In the course's words, then back to waiting for the next client.
    const at = server.lines.indexOf(
      ' Desisti deste cliente: EOFError: esperava 16 bytes, mas recebeu apenas 9 bytes antes do fechamento do socket',
    );
    expect(at).toBeGreaterThan(0);
    expect(server.lines[at + 1]).toBe('Esperando para aceitar uma nova conexao');
  });
});

describe('udp-remote', () => {
  // Python's generator decides the drops: predict them from the same seed.
  const dropsBeforeAnswer = (seed: number) => {
    const random = pythonRandom(seed);
    let drops = 0;
    while (random() < 0.5) drops++;
    return drops;
  };

  it.each([
    9, 5, 39,
  ])('seed %i: the server drops what Python would, the client backs off until answered', async (seed) => {
    const client = recorder();
    const server = recorder();
    const events = await lastValueFrom(
      withServer(udpRemoteServer({ port: 0, seed, log: server.log, lang: 'pt' }), (local) =>
        udpRemoteClient({
          port: local.port,
          log: client.log,
          lang: 'pt',
          initialWaitMs: 50,
          maxWaitMs: 2000,
        }).pipe(toArray()),
      ),
    );
    const drops = dropsBeforeAnswer(seed);
    const sent = events.filter((e) => e.type === 'sent');
    expect(sent.map((e) => e.waitMs)).toEqual(Array.from({ length: drops + 1 }, (_, i) => 50 * 2 ** i));
    expect(events.at(-1)).toMatchObject({
      type: 'answered',
      attempt: drops + 1,
      reply: lengthReply(REMOTE_REQUEST.length),
    });
    expect(server.lines.filter((l) => l.startsWith('Servidor >> Fingindo descartar pacote de'))).toHaveLength(
      drops,
    );
    expect(client.lines.at(-1)).toBe(`Cliente >> O servidor respondeu '${lengthReply(53)}'`);
  });

  it("gives up with SERVER_UNREACHABLE and the course's words after the waits double past the limit", async () => {
    const client = recorder();
    const sent: number[] = [];
    const error = await lastValueFrom(
      withServer(udpRemoteServer({ port: 0, dropRate: 1, log: () => {} }), (local) =>
        udpRemoteClient({
          port: local.port,
          log: client.log,
          lang: 'pt',
          initialWaitMs: 10,
          maxWaitMs: 200,
        }).pipe(
          tap((e) => e.type === 'sent' && sent.push(e.waitMs)),
          toArray(),
        ),
      ),
    ).catch((e: unknown) => e);
    expect(isPortaError(error, 'SERVER_UNREACHABLE')).toBe(true);
    expect(sent).toEqual([10, 20, 40, 80, 160]);
    expect(client.lines.at(-1)).toBe(messages('pt').udpRemote.down());
    expect(client.lines.filter((l) => l.startsWith('Cliente >> Aguardando'))).toEqual(
      ['0.01', '0.02', '0.04', '0.08', '0.16'].map(
        (s) => `Cliente >> Aguardando ${s} segundos para enviar a resposta`,
      ),
    );
  });

  it('fails at once with PORT_UNREACHABLE when nothing has the port open', async () => {
    const port = await firstValueFrom(bindUdp({ port: 0 }).pipe(map((s) => s.local.port)));
    const error = await lastValueFrom(udpRemoteClient({ port, log: () => {} })).catch((e: unknown) => e);
    expect(isPortaError(error, 'PORT_UNREACHABLE')).toBe(true);
  });
});

describe('promiscuous', () => {
  it("the naive client takes FAKE; porta's client refuses every spoof, says why, and takes the real reply", async () => {
    const { naive, hardened, server } = await firstValueFrom(
      promiscuousDemo({ log: () => {}, holdMs: 200, now: courseClock }),
    );
    expect(naive.exchange.reply).toBe('FAKE');
    expect(naive.exchange.from).toEqual(naive.spoofs[0]);
    expect(hardened.exchange.from).toEqual(server);
    expect(hardened.exchange.reply).toBe(lengthReply(63));
    expect(hardened.rejections.map((r) => r.from)).toEqual(hardened.spoofs);
    expect(hardened.rejections[0]!.reason).toBe(
      `it came from port ${hardened.spoofs[0]!.port}, but the request went to port ${server.port}`,
    );
    if (hardened.spoofs.length > 1) {
      expect(hardened.rejections[1]!.reason).toBe(
        'it came from address 127.0.0.2, but the request went to 127.0.0.1',
      );
    }
  });

  it('the hardened client alone accepts a reply from the server itself', async () => {
    const rejected: unknown[] = [];
    const exchange = await firstValueFrom(
      withServer(udpLocalServer({ port: 0, log: () => {} }), (local) =>
        hardenedClient({
          port: local.port,
          bindAddress: '127.0.0.1',
          now: courseClock,
          log: () => {},
          onReject: (r) => rejected.push(r),
        }),
      ),
    );
    expect(exchange.reply).toBe(lengthReply(63));
    expect(rejected).toEqual([]);
  });
});
