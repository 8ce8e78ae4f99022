import { familyOf, TimeoutError } from '@porta/core';

/**
 * The error a TCP client raises when the server accepted but did not answer in time; `host` may
 * be a name or an address (IPv6 in brackets).
 *
 * @example
 * ```ts
 * noAnswerAt('127.0.0.1', 1060, 5000).message; // 'nothing answered at 127.0.0.1:1060 within 5 s'
 * ```
 */
export function noAnswerAt(host: string, port: number, timeoutMs: number): TimeoutError {
  const where = familyOf(host) === 'IPv6' ? `[${host}]:${port}` : `${host}:${port}`;
  return new TimeoutError(`nothing answered at ${where} within ${timeoutMs / 1000} s`, timeoutMs);
}
