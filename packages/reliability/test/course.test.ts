import { isPortaError, ServerUnreachableError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { requester, seededRandom, serveRequests } from '../src/index.js';
import { driveVirtual, openUdp, requestInVirtualTime, waitFor } from './courseSupport.js';
import { text } from './requesterSupport.js';

trackHandles();

const MESSAGE = 'Mensagem para o servidor: Estou enviando uma mensagem';

describe("the course's udp_remote.py scenario on real loopback sockets", () => {
  it('a server that drops half the requests (seeded): every request gets its answer (virtual waits)', async () => {
    const server = await openUdp();
    const client = await openUdp();
    const random = seededRandom(7);
    let handled = 0;
    let answered = 0;
    const serving = serveRequests(server.socket, (payload) => {
      handled += 1;
      if (random() < 0.5) return undefined; // "Fingindo descartar pacote"
      answered += 1;
      return text(`Mensagem para o cliente: O dado enviado possui comprimento de ${payload.length} bytes`);
    }).subscribe();
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const porta = requester(client.socket, { scheduler });
    try {
      for (let i = 0; i < 6; i++) {
        // Before a timer may fire, the send must have reached the server and any answer the client.
        const replies = await requestInVirtualTime(
          porta.request(text(MESSAGE), server.socket.local),
          scheduler,
          () =>
            waitFor(() => handled === porta.stats.sent && porta.stats.accepted === answered, 'the exchange'),
        );
        expect(replies).toEqual([
          `Mensagem para o cliente: O dado enviado possui comprimento de ${MESSAGE.length} bytes`,
        ]);
      }
      expect(handled - answered).toBeGreaterThan(0); // the seed dropped some: retries did the work
      expect(porta.stats).toMatchObject({ accepted: 6, retransmitted: handled - answered, unreachable: 0 });
    } finally {
      serving.unsubscribe();
      server.close();
      client.close();
    }
  });

  it('a server that never answers: SERVER_UNREACHABLE after the waits 100, 200, 400, 800, 1600 ms (virtual)', async () => {
    const silent = await openUdp();
    const client = await openUdp();
    let received = 0;
    const listening = silent.socket.datagrams.subscribe(() => {
      received += 1;
    });
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const waits: number[] = [];
    const porta = requester(client.socket, {
      scheduler,
      retry: { onAttempt: ({ waitMs }) => waits.push(waitMs) },
    });
    let error: unknown;
    let ended = false;
    const sub = porta.request(text(MESSAGE), silent.socket.local).subscribe({
      error: (e: unknown) => {
        error = e;
        ended = true;
      },
      complete: () => {
        ended = true;
      },
    });
    try {
      // Each step: the send must really reach the silent server before its timer is allowed to fire.
      await driveVirtual(
        scheduler,
        () => ended,
        () => waitFor(() => received === porta.stats.sent, 'the request to arrive'),
      );
      expect(waits).toEqual([100, 200, 400, 800, 1600]);
      expect(received).toBe(5);
      expect(error).toBeInstanceOf(ServerUnreachableError);
      expect(error).toMatchObject({ code: 'SERVER_UNREACHABLE', attempts: 5, elapsedMs: 3100 });
      expect((error as Error).message).toMatch(/server appears to be down/);
    } finally {
      sub.unsubscribe();
      listening.unsubscribe();
      silent.close();
      client.close();
    }
  });

  it('a server that is gone (bound, then closed): SERVER_UNREACHABLE after five sends (virtual waits)', async () => {
    const gone = await openUdp();
    const address = gone.socket.local;
    gone.close();
    const client = await openUdp();
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const porta = requester(client.socket, { scheduler, mode: 'plain' });
    let error: unknown;
    const sub = porta.request(text(MESSAGE), address).subscribe({ error: (e: unknown) => (error = e) });
    try {
      await driveVirtual(
        scheduler,
        () => error !== undefined,
        () => new Promise((resolve) => setTimeout(resolve, 2)),
      );
      expect(isPortaError(error, 'SERVER_UNREACHABLE')).toBe(true);
      expect(error).toMatchObject({ attempts: 5, elapsedMs: 3100 });
      expect(porta.stats.sent).toBe(5);
    } finally {
      sub.unsubscribe();
      client.close();
    }
  });
});
