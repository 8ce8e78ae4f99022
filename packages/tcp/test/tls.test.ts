import { isPortaError, TlsError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp } from '../src/index.js';
import {
  collect,
  connectedPair,
  errorOf,
  noOpenssl,
  open,
  releaseAll,
  selfSignedCert,
  until,
} from './support.js';

trackHandles();
afterEach(releaseAll);

const text = (s: string) => new TextEncoder().encode(s);

// openssl makes the certificate in the test run; without it there is no certificate to test with.
describe.skipIf(noOpenssl !== undefined)(`TLS (${noOpenssl ?? 'certificate made with openssl'})`, () => {
  const { key, cert } =
    noOpenssl === undefined ? selfSignedCert() : { key: Buffer.alloc(0), cert: Buffer.alloc(0) };

  it('TLS round trip through the same listen/connect API, certificate made in the test run', async () => {
    const { server, client, subs } = await connectedPair({ tls: { key, cert } }, { tls: { ca: cert } });
    expect(server.remote).toEqual(client.local);
    const atServer = collect(server.bytes);
    await lastValueFrom(client.send(text('Enviei, servidor')));
    client.end();
    expect(new TextDecoder().decode(await atServer)).toBe('Enviei, servidor');
    const atClient = collect(client.bytes);
    await lastValueFrom(server.send(text('Fechado, cliente')));
    server.end();
    expect(new TextDecoder().decode(await atClient)).toBe('Fechado, cliente');
    subs.unsubscribe();
  });

  it('a client that does not trust the certificate fails with TLS; the server reports a rejection', async () => {
    const { listener, subs } = await connectedPair({ tls: { key, cert } }, { tls: { ca: cert } });
    const rejected: string[] = [];
    const reasons: unknown[] = [];
    subs.add(
      listener.rejected.subscribe((r) => {
        rejected.push(r.error.code);
        reasons.push(r.error);
      }),
    );
    const err = await errorOf(connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: {} }));
    expect(isPortaError(err, 'TLS')).toBe(true);
    expect(err).toBeInstanceOf(TlsError);
    expect((err as Error).message).toContain(`127.0.0.1:${listener.local.port}`);
    await until(() => rejected.length > 0, 'the server to report the failed handshake');
    expect(rejected).toEqual(['TLS']);
    expect(reasons[0]).toBeInstanceOf(TlsError);
    expect(listener.stats.rejected).toBe(1);
    await until(() => listener.stats.open === 1, 'only the first client to hold a slot');
    subs.unsubscribe();
  });

  it('a TLS connection over maxConnections is reported once, as CONNECTION_LIMIT (not also as a TLS hang-up)', async () => {
    const { listener, subs } = await connectedPair(
      { tls: { key, cert }, maxConnections: 1 },
      { tls: { ca: cert } },
    );
    const rejected: string[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r.error.code)));
    const err = await errorOf(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: { ca: cert } }),
    );
    expect(isPortaError(err, 'CONNECTION_RESET') || isPortaError(err, 'TLS'), String(err)).toBe(true);
    await until(() => rejected.length > 0, 'the rejection');
    // Let any second report arrive: the raw socket's close and the TLS socket's are a few turns apart.
    await new Promise((r) => setTimeout(r, 50));
    expect(rejected).toEqual(['CONNECTION_LIMIT']);
    expect(listener.stats.rejected).toBe(1);
    subs.unsubscribe();
  });

  it('a client hanging up mid-handshake frees its maxConnections slot at once, not after the handshake timeout', async () => {
    const { listener, subs } = await connectedPair(
      { tls: { key, cert }, maxConnections: 2 },
      { tls: { ca: cert } },
    );
    const rejected: string[] = [];
    subs.add(listener.rejected.subscribe((r) => rejected.push(r.error.code)));
    // A plain TCP client: connects (taking the second slot), then leaves without a handshake.
    const raw = await open(connectTcp({ host: '127.0.0.1', port: listener.local.port }), subs);
    await until(() => listener.stats.open === 2, 'the second connection to be counted');
    raw.end();
    await until(() => listener.stats.open === 1, 'the abandoned handshake to free its slot');
    expect(rejected).toEqual(['TLS']);
    // The slot is usable again: a TLS client gets in.
    const again = await open(
      connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: { ca: cert } }),
      subs,
    );
    expect(again.remote.port).toBe(listener.local.port);
    subs.unsubscribe();
  });
});
