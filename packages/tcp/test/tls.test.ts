import { isPortaError } from '@porta/core';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { trackHandles } from '../../../test/support/handles.js';
import { connectTcp } from '../src/index.js';
import { collect, connectedPair, errorOf, noOpenssl, releaseAll, selfSignedCert } from './support.js';

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
    subs.add(listener.rejected.subscribe((r) => rejected.push(r.error.code)));
    const err = await errorOf(connectTcp({ host: '127.0.0.1', port: listener.local.port, tls: {} }));
    expect(isPortaError(err, 'TLS')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${listener.local.port}`);
    subs.unsubscribe();
  });
});
