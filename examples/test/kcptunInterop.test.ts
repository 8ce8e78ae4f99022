import { trackHandles } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { kcptunFlags, kcptunSkipReason } from '../../test/support/kcptun.js';
import { kcpTunnelClient, kcpTunnelServer } from '../src/index.js';
import {
  echoServer,
  echoThrough,
  lossyPath,
  startKcptun,
  startTunnel,
  stopAfterEach,
} from './kcptunSupport.js';
import { cleanUpChildren, freePort, python, pythonSkipReason } from './support.js';

// porta's KCP tunnel against Debian's kcptun (kcp-go + smux), on loopback, in both directions.
const kcptunMissing = kcptunSkipReason();
const pythonMissing = pythonSkipReason();
if (kcptunMissing) console.warn(`Skipping the kcptun interoperability tests: ${kcptunMissing}`);

trackHandles();
cleanUpChildren();
stopAfterEach();

/** kcptunFlags' default: no cipher, no compression, no FEC (the tunnel's defaults are kcptun's). */
const NONE = { crypt: 'none', noComp: true, dataShards: 0, parityShards: 0 } as const;

describe.skipIf(kcptunMissing !== undefined)('porta KCP tunnel ↔ Debian kcptun', () => {
  describe.each([
    { mode: 'fast', smuxver: 1 as const },
    { mode: 'fast3', smuxver: 2 as const },
  ])('--mode $mode --smuxver $smuxver', ({ mode, smuxver }) => {
    it.skipIf(pythonMissing !== undefined)(
      "kcptun-client → porta server → tcp_exemplo.py: the course's client reads 'Fechado, cliente'",
      async () => {
        const targetPort = await freePort('tcp');
        const target = python('tcp_exemplo.py', ['servidor', '127.0.0.1', '-p', String(targetPort)]);
        await target.line(/^Escutando em/);
        const kcpPort = await startTunnel(
          kcpTunnelServer({
            listen: { address: '127.0.0.1', port: 0 },
            target: { host: '127.0.0.1', port: targetPort },
            mode: mode as 'fast',
            smuxVersion: smuxver,
            ...NONE,
          }),
        );
        const localPort = await freePort('tcp');
        await startKcptun('client', localPort, kcpPort, [...kcptunFlags({ mode, smuxver })]);
        const course = python('tcp_exemplo.py', ['cliente', '127.0.0.1', '-p', String(localPort)]);
        expect(await course.exited).toBe(0);
        expect(course.stdout).toContain("O servidor diz b'Fechado, cliente'");
        expect(await target.line(/Recebendo mensagem/)).toBe(
          " Recebendo mensagem do tipo 16 octetos: b'Enviei, servidor'",
        );
      },
    );

    it.skipIf(pythonMissing !== undefined)(
      "porta client → kcptun-server → tcp_exemplo.py: the course's client reads 'Fechado, cliente'",
      async () => {
        const targetPort = await freePort('tcp');
        const target = python('tcp_exemplo.py', ['servidor', '127.0.0.1', '-p', String(targetPort)]);
        await target.line(/^Escutando em/);
        const kcpPort = await freePort('udp');
        await startKcptun('server', kcpPort, targetPort, [...kcptunFlags({ mode, smuxver })]);
        const localPort = await startTunnel(
          kcpTunnelClient({
            listen: { host: '127.0.0.1', port: 0 },
            remote: { address: '127.0.0.1', port: kcpPort },
            mode: mode as 'fast',
            smuxVersion: smuxver,
            ...NONE,
          }),
        );
        const course = python('tcp_exemplo.py', ['cliente', '127.0.0.1', '-p', String(localPort)]);
        expect(await course.exited).toBe(0);
        expect(course.stdout).toContain("O servidor diz b'Fechado, cliente'");
      },
    );

    it('kcptun-client → 10% loss each way → porta server: 384 KiB echoed with the same SHA-256', async () => {
      const echoPort = await echoServer();
      const kcpPort = await startTunnel(
        kcpTunnelServer({
          listen: { address: '127.0.0.1', port: 0 },
          target: { host: '127.0.0.1', port: echoPort },
          mode: mode as 'fast',
          smuxVersion: smuxver,
          ...NONE,
        }),
      );
      const lossy = await lossyPath(kcpPort);
      const localPort = await freePort('tcp');
      await startKcptun('client', localPort, lossy, [...kcptunFlags({ mode, smuxver })]);
      const result = await echoThrough(localPort, 384 * 1024);
      expect(result.bytes).toBe(384 * 1024);
      expect(result.received).toBe(result.sent);
    });

    it('porta client → 10% loss each way → kcptun-server: 384 KiB echoed with the same SHA-256', async () => {
      const echoPort = await echoServer();
      const kcpPort = await freePort('udp');
      await startKcptun('server', kcpPort, echoPort, [...kcptunFlags({ mode, smuxver })]);
      const lossy = await lossyPath(kcpPort);
      const localPort = await startTunnel(
        kcpTunnelClient({
          listen: { host: '127.0.0.1', port: 0 },
          remote: { address: '127.0.0.1', port: lossy },
          mode: mode as 'fast',
          smuxVersion: smuxver,
          ...NONE,
        }),
      );
      const result = await echoThrough(localPort, 384 * 1024);
      expect(result.bytes).toBe(384 * 1024);
      expect(result.received).toBe(result.sent);
    });
  });
});
