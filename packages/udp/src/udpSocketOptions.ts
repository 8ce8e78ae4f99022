import type { PacketCapture } from '@porta/core';
import type { LookupFunction } from '@porta/core/transport';

/**
 * Socket options shared by {@link bindUdp} and {@link connectUdp}.
 *
 * @example
 * ```ts
 * bindUdp({ port: 0, recvBufferSize: 4 * 1024 * 1024 });
 * ```
 */
export interface UdpSocketOptions {
  /**
   * SO_RCVBUF requested in bytes (default 1 MiB; at least 65,536). The kernel may clamp it
   * (Linux: `net.core.rmem_max`), but never below what one datagram of the maximum size needs.
   */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF requested in bytes (default: the OS default; at least 65,536 when given). */
  readonly sendBufferSize?: number;
  /** IPv6 sockets only: refuse IPv4-mapped traffic (IPV6_V6ONLY). Default: the OS default. */
  readonly ipv6Only?: boolean;
  /** SO_REUSEADDR, so several sockets may bind the same port. Default `false`. */
  readonly reuseAddr?: boolean;
  /**
   * Aborting it closes the socket, as `dgram.createSocket({ signal })` does: already aborted, no
   * socket is opened; otherwise the Observable and the socket's inbound stream (`datagrams` /
   * `messages`) error with `AbortError` (`ABORT_ERR`) and the socket closes.
   */
  readonly signal?: AbortSignal;
  /**
   * Record every datagram this socket sends and receives in a pcapng capture (core's
   * `PacketCapture`, e.g. `captureFile('udp.pcapng')`). Default: none, and then nothing is recorded.
   */
  readonly capture?: PacketCapture;
  /**
   * How a host name given as the address (`bindUdp`'s `address`, `connectUdp`'s remote) is
   * resolved: once, before the socket is made. Default Node's `dns.lookup`; any function of its
   * shape fits (a cache, a fixed answer). Unlike node:dgram's option of the same name, it is never
   * called per send: sends take IP literals only.
   */
  readonly lookup?: LookupFunction;
}
