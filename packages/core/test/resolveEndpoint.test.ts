import { isPortaError } from '@porta/core';
import { isHostName, type LookupFunction, resolveEndpoint } from '@porta/core/transport';
import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

const never: LookupFunction = () => {};
const answering =
  (address: string, family: number): LookupFunction =>
  (_host, _options, callback) =>
    callback(null, address, family);

async function errorOf(source: Promise<unknown>): Promise<unknown> {
  return source.then(
    (v) => {
      throw new Error(`expected an error, got ${String(v)}`);
    },
    (err: unknown) => err,
  );
}

describe('resolveEndpoint', () => {
  it('gives an IP literal back synchronously, without a lookup', () => {
    const seen: unknown[] = [];
    const asked: string[] = [];
    resolveEndpoint({ address: '::1', port: 1060 }, { lookup: (h) => void asked.push(h) }).subscribe((e) =>
      seen.push(e),
    );
    expect(seen).toEqual([{ address: '::1', port: 1060, family: 'IPv6' }]);
    expect(asked).toEqual([]);
  });

  it('looks a host name up once and emits the Endpoint of its answer', async () => {
    const calls: [string, unknown][] = [];
    const lookup: LookupFunction = (host, options, callback) => {
      calls.push([host, options]);
      callback(null, '10.1.2.3', 4);
    };
    const e = await firstValueFrom(resolveEndpoint({ address: 'db.internal', port: 5432 }, { lookup }));
    expect(e).toEqual({ address: '10.1.2.3', port: 5432, family: 'IPv4' });
    expect(calls).toEqual([['db.internal', {}]]);
  });

  it('maps a getaddrinfo failure to DNS_LOOKUP_FAILED naming the host and the resolver code', async () => {
    const lookup: LookupFunction = (hostname, _options, callback) =>
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }),
        '',
        0,
      );
    const err = await errorOf(
      firstValueFrom(resolveEndpoint({ address: 'nope.invalid', port: 1 }, { lookup })),
    );
    expect(isPortaError(err, 'DNS_LOOKUP_FAILED')).toBe(true);
    expect(err).toMatchObject({ host: 'nope.invalid', syscallCode: 'ENOTFOUND' });
  });

  it('a lookup that throws fails the Observable instead of the caller', async () => {
    const lookup: LookupFunction = () => {
      throw new Error('broken resolver');
    };
    const err = await errorOf(firstValueFrom(resolveEndpoint({ address: 'x.test', port: 1 }, { lookup })));
    expect((err as Error).message).toBe('broken resolver');
  });

  it('honours family: asks for it, and refuses a literal or an answer of the other family', async () => {
    const asked: unknown[] = [];
    const lookup: LookupFunction = (_h, options, callback) => {
      asked.push(options);
      callback(null, '127.0.0.1', 4);
    };
    const err = await errorOf(
      firstValueFrom(resolveEndpoint({ address: 'x.test', port: 1 }, { lookup, family: 6 })),
    );
    expect(asked).toEqual([{ family: 6 }]);
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    const literal = await errorOf(
      firstValueFrom(resolveEndpoint({ address: '127.0.0.1', port: 1 }, { lookup: never, family: 6 })),
    );
    expect(isPortaError(literal, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('refuses what is neither an address nor a name, a bad port, and a bad family, synchronously', () => {
    for (const [remote, family] of [
      [{ address: '256.1.1.1', port: 1 }, undefined],
      [{ address: '1::2::3', port: 1 }, undefined],
      [{ address: 'a b', port: 1 }, undefined],
      [{ address: 'x.test', port: 70_000 }, undefined],
      [{ address: 'x.test', port: 1 }, 5],
    ] as const) {
      let error: unknown;
      resolveEndpoint(remote, {
        lookup: answering('127.0.0.1', 4),
        ...(family === undefined ? {} : { family: family as 4 }),
      })
        .subscribe({ error: (err: unknown) => (error = err) })
        .unsubscribe();
      expect(isPortaError(error, 'INVALID_ARGUMENT'), JSON.stringify(remote)).toBe(true);
    }
  });

  it('aborting during the lookup is ABORT_ERR; the late answer is ignored', () => {
    let late: Parameters<LookupFunction>[2] | undefined;
    const controller = new AbortController();
    const events: string[] = [];
    resolveEndpoint(
      { address: 'slow.test', port: 1 },
      {
        lookup: (_h, _o, callback) => (late = callback),
        signal: controller.signal,
        what: 'opening slow.test',
      },
    ).subscribe({
      next: () => events.push('next'),
      error: (err: Error) => events.push(`${err.name}: ${err.message}`),
    });
    controller.abort();
    late?.(null, '127.0.0.1', 4);
    expect(events).toEqual(['AbortError: opening slow.test was aborted']);
  });

  it('isHostName: any RFC 1123 label sequence with a letter is a name; no dotted number or IP-ish text is', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('a', 'z', 'q-'),
        (labels, letter) => isHostName([...labels, `${letter}x`].join('.')),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.nat(999), { minLength: 1, maxLength: 6 }),
        (parts) => !isHostName(parts.join('.')),
      ),
    );
    for (const bad of ['', 'a..b', '.a', '::1', 'fe80::1%eth0', 'a b', 'a/b'])
      expect(isHostName(bad), bad).toBe(false);
  });
});
