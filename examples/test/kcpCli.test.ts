import { trackHandles } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { cleanUpChildren, freePort, porta } from './support.js';

trackHandles();
cleanUpChildren();

// Five tsx processes start at once: on a loaded machine each can take many seconds.
const SLOW = 240_000;
const START = 90_000;

describe('porta kcp-tunnel and porta impair', () => {
  it(
    "carry the course's 16-octet exchange with kcptun's defaults (aes, snappy, FEC 10/3): tcp-16 client → kcp-tunnel client → impair (20% loss) → kcp-tunnel server → tcp-16 server",
    async () => {
      const [targetPort, kcpPort, lossyPort, localPort] = [
        await freePort('tcp'),
        await freePort('udp'),
        await freePort('udp'),
        await freePort('tcp'),
      ];
      const target = porta(['tcp-16', 'server', '127.0.0.1', '-p', String(targetPort)]);
      const server = porta([
        'kcp-tunnel',
        'server',
        '-l',
        `127.0.0.1:${kcpPort}`,
        '-t',
        `127.0.0.1:${targetPort}`,
        '--mode',
        'fast3',
      ]);
      const proxy = porta([
        'impair',
        '-l',
        `127.0.0.1:${lossyPort}`,
        '-t',
        `127.0.0.1:${kcpPort}`,
        '--loss',
        '0.2',
        '--seed',
        '3',
      ]);
      const client = porta([
        'kcp-tunnel',
        'client',
        '-l',
        `127.0.0.1:${localPort}`,
        '-r',
        `127.0.0.1:${lossyPort}`,
        '--mode',
        'fast3',
      ]);
      expect(await server.line(/^listening on/, START)).toBe(`listening on 127.0.0.1:${kcpPort}`);
      expect(await proxy.line(/^impairing/, START)).toBe(
        `impairing UDP 127.0.0.1:${lossyPort} → 127.0.0.1:${kcpPort}: loss 0.2, delay 0 ms, duplicate 0, reorder 0, seed 3`,
      );
      await client.line(/^listening on/, START);
      await target.line(/./, START);
      const course = porta(['tcp-16', 'client', '127.0.0.1', '-p', String(localPort)]);
      expect(await course.exited).toBe(0);
      expect(course.stdout.join('\n')).toContain("b'Fechado, cliente'");
      expect(await server.line(/^stream \d+ opened/, START)).toMatch(/^stream 3 opened$/);
    },
    SLOW,
  );

  it(
    'refuse what they cannot do with a usage error (exit 2): a cipher porta lacks, impossible FEC, a bad ADDR:PORT, a loss over 1',
    async () => {
      const cases: [string[], RegExp][] = [
        [
          [
            'kcp-tunnel',
            'server',
            '-l',
            '127.0.0.1:0',
            '-t',
            '127.0.0.1:1',
            '--nocomp',
            '--crypt',
            'blowfish',
          ],
          /--crypt blowfish is not implemented: porta has aes, aes-128/,
        ],
        [
          [
            'kcp-tunnel',
            'client',
            '-l',
            '127.0.0.1:0',
            '-r',
            '127.0.0.1:1',
            '--nocomp',
            '--ds',
            '250',
            '--ps',
            '7',
          ],
          /--ds and --ps must be ≥ 0 with a sum ≤ 256/,
        ],
        [
          ['kcp-tunnel', 'client', '-l', 'nowhere', '-r', '127.0.0.1:1', '--nocomp'],
          /--listen must be ADDR:PORT/,
        ],
        [
          ['impair', '-l', '127.0.0.1:0', '-t', '127.0.0.1:1', '--loss', '1.5'],
          /--loss must be a probability from 0 to 1/,
        ],
      ];
      const runs = cases.map(([args]) => porta(args));
      for (const [i, run] of runs.entries()) {
        expect(await run.exited).toBe(2);
        expect(run.stderr.join('\n')).toMatch(cases[i]?.[1] as RegExp);
      }
    },
    SLOW,
  );
});
