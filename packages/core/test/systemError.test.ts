import { AddressInUseError, AddressNotAvailableError, isPortaError } from '@porta/core';
import { addressError, errnoOf } from '@porta/core/transport';
import { describe, expect, it } from 'vitest';

/** A system error as Node reports it. */
function systemError(code: string): Error {
  return Object.assign(new Error(`bind ${code} 127.0.0.1:4000`), { code, errno: -1, syscall: 'bind' });
}

describe('errnoOf', () => {
  it('reads the string code of a system error, and nothing else', () => {
    expect(errnoOf(systemError('ECONNRESET'))).toBe('ECONNRESET');
    expect(errnoOf({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
    for (const value of [new Error('plain'), { code: 42 }, null, undefined, 'EADDRINUSE']) {
      expect(errnoOf(value)).toBeUndefined();
    }
  });
});

describe('addressError', () => {
  it.each([
    ['EADDRINUSE', 'ADDRESS_IN_USE', AddressInUseError],
    ['EADDRNOTAVAIL', 'ADDRESS_NOT_AVAILABLE', AddressNotAvailableError],
  ] as const)('%s → %s, naming the address and keeping the cause', (errno, code, type) => {
    const cause = systemError(errno);
    const err = addressError(cause, '::1', 4000);
    expect(err).toBeInstanceOf(type);
    expect(isPortaError(err, code)).toBe(true);
    expect(err?.message).toContain('[::1]:4000');
    expect(err).toMatchObject({ address: '::1', port: 4000, cause });
  });

  it('leaves every other error to the transport (ECONNREFUSED means different things per protocol)', () => {
    for (const value of [systemError('ECONNREFUSED'), systemError('EACCES'), new Error('x'), null]) {
      expect(addressError(value, '127.0.0.1', 4000)).toBeUndefined();
    }
  });
});
