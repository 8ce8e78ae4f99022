import { InvalidArgumentError } from '@porta/core';
import { type KcpSessionOptions, kcpGoPacketLayer, type SmuxSessionOptions } from '@porta/reliability';
import type { KcpTunnelOptions } from './kcpTunnelOptions.js';

/**
 * Refuses what porta's tunnel does not implement (and so could not interoperate with), and turns
 * the rest into smux options.
 * @internal
 */
export function smuxOptionsOf(options: KcpTunnelOptions, client: boolean): SmuxSessionOptions {
  if (options.noComp === false) {
    throw new InvalidArgumentError('snappy compression is not implemented: pass --nocomp (both ends)');
  }
  const keepAlive = (options.keepAliveSeconds ?? 10) * 1000;
  const streamBuffer = options.streamBuffer ?? 2 * 1024 * 1024;
  return {
    client,
    version: options.smuxVersion ?? 1,
    maxReceiveBuffer: Math.max(options.smuxBuffer ?? 4 * 1024 * 1024, streamBuffer),
    maxStreamBuffer: streamBuffer,
    keepAliveIntervalMs: keepAlive,
    keepAliveTimeoutMs: Math.max(30_000, keepAlive * 3),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  };
}

/**
 * The KCP session options of a tunnel end: its own, with kcp-go's packet layer for `crypt` and
 * `key` unless a `packetLayer` is given.
 * @internal
 */
export function kcpOptionsOf(options: KcpTunnelOptions): KcpSessionOptions {
  if (options.packetLayer) return options;
  return {
    ...options,
    packetLayer: kcpGoPacketLayer({
      crypt: options.crypt ?? 'none',
      ...(options.key !== undefined ? { key: options.key } : {}),
    }),
  };
}
