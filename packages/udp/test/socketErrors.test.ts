import { isPortaError, SocketError } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { toPortaError } from '../src/internal/socketErrors.js';

trackHandles();

/** A system error as node:dgram reports it. */
function systemError(code: string): Error {
  return Object.assign(new Error(`bind ${code} 127.0.0.1:4000`), { code, errno: -1, syscall: 'bind' });
}

describe('toPortaError (errno → typed error)', () => {
  const where = { address: '127.0.0.1', port: 4000, operation: 'bind' };

  it.each([
    ['EADDRINUSE', 'ADDRESS_IN_USE'],
    ['EADDRNOTAVAIL', 'ADDRESS_NOT_AVAILABLE'],
    ['ECONNREFUSED', 'PORT_UNREACHABLE'],
  ] as const)('%s → %s, naming the address and keeping the cause', (errno, code) => {
    const cause = systemError(errno);
    const err = toPortaError(cause, where);
    expect(isPortaError(err, code)).toBe(true);
    expect(err.message).toContain('4000');
    expect(err.cause).toBe(cause);
  });

  it('maps any other errno to SOCKET with the errno code', () => {
    const err = toPortaError(systemError('EACCES'), where);
    expect(err).toBeInstanceOf(SocketError);
    expect((err as SocketError).syscallCode).toBe('EACCES');
    expect(err.message).toContain('UDP bind failed');
  });

  it('passes a PortaError through unchanged', () => {
    const original = new SocketError('x');
    expect(toPortaError(original, where)).toBe(original);
  });
});
