import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackHandles } from '@porta/core/testing';
import { KCP_CRYPTS, type KcpSessionStats } from '@porta/reliability';
import { afterEach, describe, expect, it } from 'vitest';
import { kcptunFlags, kcptunSkipReason } from '../../test/support/kcptun.js';
import { type KcpTunnelEvent, kcpTunnelClient, kcpTunnelServer } from '../src/index.js';
import {
  echoServer,
  echoThrough,
  lossyPath,
  startKcptun,
  startTunnel,
  stopAfterEach,
} from './kcptunSupport.js';
import { cleanUpChildren, freePort } from './support.js';

// porta's KCP tunnel against Debian's kcptun beyond --crypt none: kcp-go's ciphers and its
// Reed–Solomon FEC, on loopback.
const kcptunMissing = kcptunSkipReason();
if (kcptunMissing) console.warn(`Skipping the kcptun wire-format tests: ${kcptunMissing}`);

trackHandles();
cleanUpChildren();
stopAfterEach();

const temp: string[] = [];
afterEach(() => {
  for (const dir of temp.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** kcptun's SNMP counters, from the last line of its `--snmplog` CSV. */
async function kcptunSnmp(file: string): Promise<Record<string, number>> {
  // kcptun appends a line every --snmpperiod (1 s): wait for one written after the transfer.
  await new Promise((r) => setTimeout(r, 1500));
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const names = (lines[0] as string).split(',');
  const values = (lines[lines.length - 1] as string).split(',').map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i] as number]));
}

/** A temp `--snmplog` path for kcptun (removed after the test). */
function snmpLog(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'porta-kcptun-'));
  temp.push(dir);
  return ['--snmplog', join(dir, 'snmp.log'), '--snmpperiod', '1'];
}

/** A tunnel end's options for `crypt` with kcptun's FEC 10/3 and no compression. */
const fec = (crypt: 'aes' | 'salsa20') => ({ crypt, noComp: true, dataShards: 10, parityShards: 3 });

/** porta rebuilt lost packets from kcptun's parity, and kcptun from porta's; neither refused one. */
async function expectBothRepaired(porta: KcpSessionStats | undefined, snmpFile: string): Promise<void> {
  expect(porta?.fecRecovered).toBeGreaterThan(0);
  expect(porta?.fecErrors).toBe(0);
  expect(porta?.malformedPackets).toBe(0);
  const theirs = await kcptunSnmp(snmpFile);
  expect(theirs.FECRecovered).toBeGreaterThan(0);
  expect(theirs.FECErrs).toBe(0);
  expect(theirs.InCsumErrors).toBe(0);
}

/** Keeps the session stats reader a tunnel end reports. */
function sessionStats(): { onEvent: (e: KcpTunnelEvent) => void; read: () => KcpSessionStats | undefined } {
  let stats: (() => KcpSessionStats) | undefined;
  return {
    onEvent: (e) => {
      if (e.type === 'session') stats = e.stats;
    },
    read: () => stats?.(),
  };
}

describe.skipIf(kcptunMissing !== undefined)(
  "porta KCP tunnel ↔ Debian kcptun: kcp-go's ciphers and FEC",
  () => {
    it.each(
      KCP_CRYPTS,
    )('porta client → kcptun-server --crypt %s --key …: 64 KiB echoed with the same SHA-256', async (crypt) => {
      const echoPort = await echoServer();
      const kcpPort = await freePort('udp');
      await startKcptun('server', kcpPort, echoPort, [...kcptunFlags({ crypt, key: 'porta and kcptun' })]);
      const localPort = await startTunnel(
        kcpTunnelClient({
          listen: { host: '127.0.0.1', port: 0 },
          remote: { address: '127.0.0.1', port: kcpPort },
          crypt,
          key: 'porta and kcptun',
          noComp: true,
          dataShards: 0,
          parityShards: 0,
        }),
      );
      const result = await echoThrough(localPort, 64 * 1024);
      expect(result.received).toBe(result.sent);
    });

    it('porta client → kcptun-server with another --key: nothing gets through, kcptun counts CRC32 errors', async () => {
      const echoPort = await echoServer();
      const kcpPort = await freePort('udp');
      const snmp = snmpLog();
      await startKcptun('server', kcpPort, echoPort, [
        ...kcptunFlags({ crypt: 'aes', key: 'right' }),
        ...snmp,
      ]);
      const localPort = await startTunnel(
        kcpTunnelClient({
          listen: { host: '127.0.0.1', port: 0 },
          remote: { address: '127.0.0.1', port: kcpPort },
          crypt: 'aes',
          key: 'wrong',
          noComp: true,
          dataShards: 0,
          parityShards: 0,
        }),
      );
      const outcome = await Promise.race([
        echoThrough(localPort, 1024).then(() => 'echoed'),
        new Promise((r) => setTimeout(() => r('nothing'), 1500)),
      ]);
      expect(outcome).toBe('nothing');
      const theirs = await kcptunSnmp(snmp[1] as string);
      expect(theirs.InCsumErrors).toBeGreaterThan(0);
      expect(theirs.CurrEstab).toBe(0);
    });

    describe.each([
      { crypt: 'aes' as const },
      { crypt: 'salsa20' as const },
    ])('--crypt $crypt --ds 10 --ps 3, 10% loss each way', ({ crypt }) => {
      it("kcptun-client → porta server: 384 KiB echoed; each end rebuilds lost packets from the other's parity", async () => {
        const echoPort = await echoServer();
        const porta = sessionStats();
        const kcpPort = await startTunnel(
          kcpTunnelServer({
            listen: { address: '127.0.0.1', port: 0 },
            target: { host: '127.0.0.1', port: echoPort },
            ...fec(crypt),
          }),
          porta.onEvent,
        );
        const lossy = await lossyPath(kcpPort);
        const localPort = await freePort('tcp');
        const snmp = snmpLog();
        await startKcptun('client', localPort, lossy, [...kcptunFlags({ crypt, ds: 10, ps: 3 }), ...snmp]);
        const result = await echoThrough(localPort, 384 * 1024);
        expect(result.received).toBe(result.sent);
        await expectBothRepaired(porta.read(), snmp[1] as string);
      });

      it("porta client → kcptun-server: 384 KiB echoed; each end rebuilds lost packets from the other's parity", async () => {
        const echoPort = await echoServer();
        const kcpPort = await freePort('udp');
        const snmp = snmpLog();
        await startKcptun('server', kcpPort, echoPort, [...kcptunFlags({ crypt, ds: 10, ps: 3 }), ...snmp]);
        const lossy = await lossyPath(kcpPort);
        const porta = sessionStats();
        const localPort = await startTunnel(
          kcpTunnelClient({
            listen: { host: '127.0.0.1', port: 0 },
            remote: { address: '127.0.0.1', port: lossy },
            ...fec(crypt),
          }),
          porta.onEvent,
        );
        const result = await echoThrough(localPort, 384 * 1024);
        expect(result.received).toBe(result.sent);
        await expectBothRepaired(porta.read(), snmp[1] as string);
      });
    });

    describe("kcptun's defaults on both ends (aes, its key, snappy, FEC 10/3; no flags)", () => {
      it('kcptun-client → 10% loss each way → porta server: 384 KiB of text echoed, compressed on the way', async () => {
        const echoPort = await echoServer();
        const porta = sessionStats();
        const kcpPort = await startTunnel(
          kcpTunnelServer({
            listen: { address: '127.0.0.1', port: 0 },
            target: { host: '127.0.0.1', port: echoPort },
          }),
          porta.onEvent,
        );
        const lossy = await lossyPath(kcpPort);
        const localPort = await freePort('tcp');
        await startKcptun('client', localPort, lossy, ['--quiet']);
        const result = await echoThrough(localPort, 384 * 1024, 'text');
        expect(result.received).toBe(result.sent);
        const stats = porta.read();
        // Snappy: what porta put into KCP (its echo, compressed) is far less than what it echoed.
        expect(stats?.bytesWritten).toBeLessThan((384 * 1024) / 2);
        expect(stats?.fecRecovered).toBeGreaterThan(0);
        expect(stats?.fecErrors).toBe(0);
      });

      it('porta client → 10% loss each way → kcptun-server: 384 KiB of noise echoed', async () => {
        const echoPort = await echoServer();
        const kcpPort = await freePort('udp');
        await startKcptun('server', kcpPort, echoPort, ['--quiet']);
        const lossy = await lossyPath(kcpPort);
        const porta = sessionStats();
        const localPort = await startTunnel(
          kcpTunnelClient({
            listen: { host: '127.0.0.1', port: 0 },
            remote: { address: '127.0.0.1', port: lossy },
          }),
          porta.onEvent,
        );
        const result = await echoThrough(localPort, 384 * 1024);
        expect(result.received).toBe(result.sent);
        expect(porta.read()?.fecRecovered).toBeGreaterThan(0);
      });
    });
  },
);
