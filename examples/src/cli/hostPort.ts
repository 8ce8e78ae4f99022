import { familyOf } from '@porta/core';
import { type Args, UsageError } from './args.js';

/**
 * An `ADDR:PORT` option (`127.0.0.1:29900`, `[::1]:29900`), as kcptun's `-l`, `-r` and `-t` take
 * it. An empty address (`:29900`) means every interface, as in kcptun.
 *
 * @example
 * ```ts
 * const listen = hostPort(args, 'listen'); // { address: '127.0.0.1', port: 29900 }
 * ```
 */
export function hostPort(args: Args, name: string): { address: string; port: number } {
  const value = args.values[name];
  if (typeof value !== 'string') throw new UsageError(`missing --${name} ADDR:PORT (e.g. 127.0.0.1:29900)`);
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const address = match ? (match[1] ?? match[2] ?? '') : '';
  if (!match || (address !== '' && address !== 'localhost' && familyOf(address) === undefined)) {
    throw new UsageError(
      `--${name} must be ADDR:PORT with an IP address (e.g. 127.0.0.1:29900), got "${value}"`,
    );
  }
  const port = Number(match[3]);
  if (!(port >= 0 && port <= 65535))
    throw new UsageError(`--${name}: port ${match[3]} is not from 0 to 65535`);
  return { address: address === '' ? '0.0.0.0' : address === 'localhost' ? '127.0.0.1' : address, port };
}

/**
 * A `--name P` option that is a probability from 0 to 1, `fallback` when absent.
 *
 * @example
 * ```ts
 * const loss = probability(args, 'loss', 0);
 * ```
 */
export function probability(args: Args, name: string, fallback: number): number {
  const value = args.values[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0 && n <= 1)) {
    throw new UsageError(`--${name} must be a probability from 0 to 1, got "${String(value)}"`);
  }
  return n;
}
