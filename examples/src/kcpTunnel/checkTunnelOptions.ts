import {
  type KcpSession,
  type KcpSessionOptions,
  kcpGoPacketLayer,
  type SmuxLink,
  type SmuxSessionOptions,
  snappyLink,
} from '@porta/reliability';
import type { KcpTunnelOptions } from './kcpTunnelOptions.js';

/**
 * The smux options of a tunnel end, from kcptun's names.
 * @internal
 */
export function smuxOptionsOf(options: KcpTunnelOptions, client: boolean): SmuxSessionOptions {
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
 * The KCP session options of a tunnel end, with kcptun's defaults: kcp-go's packet layer for
 * `crypt` (default `aes`) and `key` unless a `packetLayer` is given, FEC 10/3 unless told.
 * @internal
 */
export function kcpOptionsOf(options: KcpTunnelOptions): KcpSessionOptions {
  return {
    ...options,
    dataShards: options.dataShards ?? 10,
    parityShards: options.parityShards ?? 3,
    packetLayer:
      options.packetLayer ??
      kcpGoPacketLayer({
        crypt: options.crypt ?? 'aes',
        ...(options.key !== undefined ? { key: options.key } : {}),
      }),
  };
}

/**
 * What smux runs on at a tunnel end: the KCP session, through kcptun's snappy stream unless
 * `noComp`.
 * @internal
 */
export function smuxLinkOf(session: KcpSession, options: KcpTunnelOptions): SmuxLink {
  return options.noComp ? session : snappyLink(session);
}
