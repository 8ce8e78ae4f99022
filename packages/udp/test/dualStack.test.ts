import { isPortaError, MAX_DATAGRAM_IPV4 } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { bindUdp, connectUdp } from '@porta/udp';
import { describe, expect, it } from 'vitest';
import { errorOf, expectBytes, first, opener, pattern } from './helpers.js';

trackHandles();
const open = opener();

// A dual-stack IPv6 socket bound to the IPv4-mapped loopback: it reaches IPv4 peers, on loopback only.
const MAPPED_LOOPBACK = '::ffff:127.0.0.1';

describe('IPv6 socket sending to IPv4-mapped addresses (dual stack)', () => {
  it('bindUdp: the IPv4 limit applies to a mapped destination, in any spelling, before the OS says EMSGSIZE', async () => {
    const { value: v4 } = await open(bindUdp());
    const { value: v6 } = await open(bindUdp({ address: MAPPED_LOOPBACK, ipv6Only: false }));
    expect(v6.family).toBe('IPv6');

    const payload = pattern(MAX_DATAGRAM_IPV4, 3);
    const received = first(v4.datagrams);
    await first(v6.send(payload, { address: MAPPED_LOOPBACK, port: v4.local.port }));
    expectBytes((await received).data, payload);

    for (const address of [MAPPED_LOOPBACK, '::FFFF:7f00:1', '0:0:0:0:0:ffff:127.0.0.1']) {
      const err = await errorOf(
        v6.send(new Uint8Array(MAX_DATAGRAM_IPV4 + 1), { address, port: v4.local.port }),
      );
      expect(isPortaError(err, 'DATAGRAM_TOO_LARGE'), `${address}: ${String(err)}`).toBe(true);
      expect((err as Error).message).toContain('65507');
    }
    expect(v6.stats.sent).toBe(1);
  });

  it('connectUdp: a socket connected to a mapped address reports and enforces the IPv4 limit', async () => {
    const { value: v4 } = await open(bindUdp());
    const { value: client } = await open(
      connectUdp({ address: MAPPED_LOOPBACK, port: v4.local.port }, { localAddress: MAPPED_LOOPBACK }),
    );
    expect(client.family).toBe('IPv6');
    expect(client.maxDatagramSize).toBe(MAX_DATAGRAM_IPV4);
    const err = await errorOf(client.send(new Uint8Array(MAX_DATAGRAM_IPV4 + 1)));
    expect(isPortaError(err, 'DATAGRAM_TOO_LARGE'), String(err)).toBe(true);
  });
});
