import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { Datagram } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { type AuthMode, authOverhead, sign, verify } from '@porta/reliability';
import { bindUdp, type UdpSocket } from '@porta/udp';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ascii, owned, releaseAfterEach, text, until } from './support.js';

trackHandles();
releaseAfterEach();

describe('hostile: forged, truncated, replayed and wrong-mode signed datagrams (real UDP)', () => {
  it.each<AuthMode>([
    'hmac-sha256',
    'aes-256-gcm',
    'chacha20-poly1305',
  ])('%s: every genuine datagram is accepted once, every bad one rejected and counted by reason', async (mode) => {
    const subs = owned();
    const key = randomBytes(32);
    const server = await new Promise<UdpSocket>((resolve, reject) =>
      subs.add(bindUdp({ address: '127.0.0.1', port: 0 }).subscribe({ next: resolve, error: reject })),
    );
    const check = verify<Datagram>(key, { mode });
    const accepted: string[] = [];
    subs.add(server.datagrams.pipe(check).subscribe((d) => accepted.push(ascii(d.data))));

    const genuine = await lastValueFrom(
      from(Array.from({ length: 50 }, (_, i) => text(`genuine ${i}`))).pipe(sign(key, { mode }), toArray()),
    );
    const forged = Array.from({ length: 200 }, () => {
      const m = randomBytes(20 + authOverhead(mode));
      m[0] = 1;
      m[1] = mode === 'hmac-sha256' ? 1 : mode === 'aes-256-gcm' ? 2 : 3;
      return m;
    });
    const flipped = genuine.slice(0, 20).map((g) => {
      const m = Uint8Array.from(g);
      m[m.length - 1] = (m[m.length - 1] as number) ^ 1;
      return m;
    });
    const truncated = Array.from({ length: 30 }, (_, i) => genuine[i % 50]?.subarray(0, i) as Uint8Array);
    const otherMode = await lastValueFrom(
      from([text('x'.repeat(40)), text('y'.repeat(40))]).pipe(
        sign(key, { mode: mode === 'hmac-sha256' ? 'aes-256-gcm' : 'hmac-sha256' }),
        toArray(),
      ),
    );
    const wrongKey = await lastValueFrom(from([text('z')]).pipe(sign(randomBytes(32), { mode }), toArray()));
    // Interleaved as an attacker would: bad ones around and between the genuine ones, then replays.
    const bad = [...forged, ...flipped, ...truncated, ...otherMode, ...wrongKey];
    const order: Uint8Array[] = [];
    for (let i = 0; i < genuine.length; i++)
      order.push(...bad.slice(i * 6, i * 6 + 6), genuine[i] as Uint8Array);
    order.push(...bad.slice(genuine.length * 6), ...genuine); // every genuine one replayed

    const attacker = dgram.createSocket('udp4');
    subs.add(() => attacker.close());
    for (const m of order) {
      await new Promise<void>((resolve) => attacker.send(m, server.local.port, '127.0.0.1', () => resolve()));
    }
    const total = order.length;
    await until(
      () => check.stats.accepted + Object.values(check.stats.rejected).reduce((a, b) => a + b, 0) === total,
      'every datagram to be judged',
    );
    expect(accepted).toEqual(Array.from({ length: 50 }, (_, i) => `genuine ${i}`));
    expect(check.stats.rejected).toEqual({
      truncated: 30,
      format: 2,
      forged: 200 + 20 + 1,
      replay: 50,
    });
    subs.unsubscribe();
  });
});
