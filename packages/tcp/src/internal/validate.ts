import { assertPort, familyOf, InvalidArgumentError } from '@porta/core';

/** A listening host must be an IP literal: the course binds to `127.0.0.1`, `0.0.0.0`, `::1`, `::`. */
export function assertListenHost(host: string): string {
  if (typeof host !== 'string' || familyOf(host) === undefined) {
    throw new InvalidArgumentError(`host must be an IPv4 or IPv6 address, got ${JSON.stringify(host)}`);
  }
  return host;
}

/** A connect target may be an IP literal or a host name, but not empty. */
export function assertConnectHost(host: string): string {
  if (typeof host !== 'string' || host.trim() === '' || /\s/.test(host)) {
    throw new InvalidArgumentError(`host must be an address or a host name, got ${JSON.stringify(host)}`);
  }
  return host;
}

/** A remote port: 1..65535 (0 means "any" only when binding). */
export function assertRemotePort(port: number): number {
  assertPort(port);
  if (port === 0) throw new InvalidArgumentError('port must be an integer from 1 to 65535 to connect, got 0');
  return port;
}

/** A count option: a positive integer, or `Infinity` where allowed. */
export function assertCount(value: number, what: string, allowInfinity = false): number {
  if ((allowInfinity && value === Number.POSITIVE_INFINITY) || (Number.isInteger(value) && value > 0)) {
    return value;
  }
  throw new InvalidArgumentError(`${what} must be a positive integer, got ${String(value)}`);
}

/** A duration option in milliseconds: finite and > 0. */
export function assertDuration(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${what} must be a finite number of milliseconds > 0, got ${String(value)}`,
    );
  }
  return value;
}
