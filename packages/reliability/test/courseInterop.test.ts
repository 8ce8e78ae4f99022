import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { endpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pythonDir, pythonSkipReason } from '../../../test/support/coursePrograms.js';
import { requester } from '../src/index.js';
import { openUdp, requestInVirtualTime, waitFor } from './courseSupport.js';
import { text } from './requesterSupport.js';

trackHandles();

const SCRIPT = resolve(pythonDir, 'udp_remote.py');
const skipReason = pythonSkipReason();
if (skipReason !== undefined) console.warn(`Skipping the interop tests with udp_remote.py: ${skipReason}`);
const MESSAGE = 'Mensagem para o servidor: Estou enviando uma mensagem';

/** Starts the course's own `udp_remote.py servidor` on a free port (`-p 0`); resolves with its port. */
function pythonServer(seed: number) {
  const child: ChildProcess = spawn(
    'python3',
    [SCRIPT, 'servidor', '127.0.0.1', '-p', '0', '--seed', String(seed)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    lines,
    port: async () => {
      await waitFor(() => lines.some((l) => l.includes('Escutando')), 'the Python server to listen', 10_000);
      const match = /, (\d+)\)/.exec(lines.find((l) => l.includes('Escutando')) ?? '');
      return Number(match?.[1]);
    },
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}

describe.skipIf(skipReason !== undefined)(
  "interop: porta's plain-mode requester against the course's udp_remote.py server",
  () => {
    it('gets every answer through the seeded pretend-drops (virtual waits)', async () => {
      // Python's random.seed(1) draws 0.134, 0.847, 0.764, 0.255, 0.495, 0.449, 0.652, 0.789:
      // drop, answer | answer | drop, drop, drop, answer | answer.
      const server = pythonServer(1);
      const client = await openUdp();
      try {
        const port = await server.port();
        const to = endpoint('127.0.0.1', port);
        const scheduler = new VirtualTimeScheduler(undefined, 0);
        const waits: number[] = [];
        const porta = requester(client.socket, {
          mode: 'plain',
          scheduler,
          retry: { onAttempt: ({ waitMs }) => waits.push(waitMs) },
        });
        const handled = () =>
          server.lines.filter((l) => /Fingindo descartar|enviou a mensagem/.test(l)).length;
        const answered = () => server.lines.filter((l) => l.includes('enviou a mensagem')).length;
        for (let i = 0; i < 4; i++) {
          const replies = await requestInVirtualTime(porta.request(text(MESSAGE), to), scheduler, () =>
            waitFor(
              () => handled() === porta.stats.sent && porta.stats.accepted === answered(),
              'the Python server to handle the send',
              10_000,
            ),
          );
          expect(replies).toEqual([
            `Mensagem para o cliente: O dado enviado possui comprimento de ${MESSAGE.length} bytes`,
          ]);
        }
        const drops = server.lines.filter((l) => l.includes('Fingindo descartar')).length;
        expect(drops).toBeGreaterThan(0);
        expect(porta.stats).toMatchObject({ accepted: 4, retransmitted: drops });
        expect(drops).toBe(4);
        // Each request starts at 0.1 s and a retry waits twice as long: the course's schedule.
        expect(waits).toEqual([100, 200, 100, 100, 200, 400, 800, 100]);
      } finally {
        client.close();
        await server.stop();
      }
    });
  },
);
