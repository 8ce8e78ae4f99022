import type { Endpoint } from '@porta/core';
import { Subscription } from 'rxjs';
import { type KcpConnectOptions, kcpConnect } from '../../src/kcp/kcpConnect.js';
import { type KcpListenOptions, kcpListen } from '../../src/kcp/kcpListen.js';
import type { KcpSession } from '../../src/kcp/kcpSession.js';
import type { SimNetwork } from '../../src/sim/simNetwork.js';
import type { SimSocket } from '../../src/sim/simSocket.js';

/** The simulated server's port: no real socket is bound. */
export const SIM_KCP_PORT = 29900;
export const simServer: Endpoint = { address: '127.0.0.1', port: SIM_KCP_PORT, family: 'IPv4' };

export interface SimKcpPair {
  readonly client: KcpSession;
  /** Sessions the server accepted, in order. */
  readonly accepted: KcpSession[];
  readonly clientSocket: SimSocket;
  readonly serverSocket: SimSocket;
  readonly subscription: Subscription;
}

/** A KCP server and one client on `net`, both on the network's clock. */
export function simKcpPair(
  net: SimNetwork,
  clientOptions: KcpConnectOptions = {},
  serverOptions: KcpListenOptions = {},
  onAccept: (session: KcpSession) => void = () => undefined,
): SimKcpPair {
  const subscription = new Subscription();
  const accepted: KcpSession[] = [];
  let serverSocket: SimSocket | undefined;
  let clientSocket: SimSocket | undefined;
  let client: KcpSession | undefined;
  subscription.add(
    net.bind({ port: SIM_KCP_PORT }).subscribe((s) => {
      serverSocket = s;
      subscription.add(
        kcpListen(s, { scheduler: net.scheduler, ...serverOptions }).subscribe((session) => {
          accepted.push(session);
          onAccept(session);
        }),
      );
    }),
  );
  subscription.add(
    net.bind().subscribe((s) => {
      clientSocket = s;
      subscription.add(
        kcpConnect(s, simServer, { scheduler: net.scheduler, conv: 7, ...clientOptions }).subscribe((c) => {
          client = c;
        }),
      );
    }),
  );
  if (!client || !serverSocket || !clientSocket) throw new Error('the simulated sockets did not bind');
  return { client, accepted, clientSocket, serverSocket, subscription };
}

/** Deterministic bytes: `n` bytes from a seed. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
