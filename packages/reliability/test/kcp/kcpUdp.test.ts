import type { DatagramSocket, Endpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { bindUdp } from '@porta/udp';
import { firstValueFrom, mergeMap, type Observer, scan, skipWhile, switchMap, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kcpConnect } from '../../src/kcp/kcpConnect.js';
import { kcpListen } from '../../src/kcp/kcpListen.js';
import { kcpGoPacketLayer } from '../../src/kcp/kcpPacketLayer.js';
import { concat, patternBytes } from './kcpSim.js';

trackHandles();

interface Counts {
  send: number;
  sendDirect: number;
}

/** `socket` with each send counted; with `direct` false, a socket that has no `sendDirect` at all. */
function counted(socket: DatagramSocket, direct: boolean, counts: Counts): DatagramSocket {
  const plain: DatagramSocket = {
    local: socket.local,
    datagrams: socket.datagrams,
    send: (data, to) => {
      counts.send++;
      return socket.send(data, to);
    },
  };
  if (!direct) return plain;
  return {
    ...plain,
    sendDirect: (data: Uint8Array, to: Endpoint, observer: Observer<void>) => {
      counts.sendDirect++;
      socket.sendDirect?.(data, to, observer);
    },
  };
}

/** Sends `payload` over KCP between two real loopback sockets and resolves with what the echo server sent back. */
function echoOverUdp(payload: Uint8Array, direct: boolean, counts: Counts): Promise<Uint8Array> {
  return firstValueFrom(
    bindUdp({ address: '127.0.0.1', port: 0 }).pipe(
      switchMap((server) =>
        bindUdp({ address: '127.0.0.1', port: 0 }).pipe(
          switchMap((client) => {
            const echo = kcpListen(counted(server, direct, counts), {
              packetLayer: kcpGoPacketLayer({ crypt: 'aes', key: 'k' }),
            }).pipe(mergeMap((s) => s.bytes.pipe(mergeMap((chunk) => s.send(chunk)))));
            const echoSub = echo.subscribe();
            return kcpConnect(counted(client, direct, counts), server.local, {
              packetLayer: kcpGoPacketLayer({ crypt: 'aes', key: 'k' }),
            }).pipe(
              switchMap((session) => {
                session.send(payload).subscribe();
                return session.bytes;
              }),
              scan((all: Uint8Array[], chunk) => {
                all.push(chunk);
                return all;
              }, []),
              skipWhile((all) => all.reduce((n, c) => n + c.length, 0) < payload.length),
              take(1),
              mergeMap(async (all) => {
                echoSub.unsubscribe();
                return concat(all);
              }),
            );
          }),
        ),
      ),
    ),
  );
}

describe('KCP over real UDP sockets', () => {
  const payload = patternBytes(200_000);

  it('sends every datagram through sendDirect when the socket has it, bytes exact', async () => {
    const counts: Counts = { send: 0, sendDirect: 0 };
    const echoed = await echoOverUdp(payload, true, counts);
    expect(echoed).toEqual(payload);
    expect(counts.sendDirect).toBeGreaterThan(100);
    expect(counts.send).toBe(0);
  });

  it('falls back to send on a socket without sendDirect, bytes exact', async () => {
    const counts: Counts = { send: 0, sendDirect: 0 };
    const echoed = await echoOverUdp(payload, false, counts);
    expect(echoed).toEqual(payload);
    expect(counts.send).toBeGreaterThan(100);
    expect(counts.sendDirect).toBe(0);
  });
});
