// Shared helpers of the requester tests (not a test file itself).
import type { Subscription } from 'rxjs';
import { type SimLinkOptions, SimNetwork, type SimSocket } from '../src/index.js';

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const ascii = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The course's port, on the simulated network: no real socket is bound, so no other run collides. */
export const SIM_SERVER_PORT = 1060;

/** A simulated network with a client socket and a server socket on port 1060 (a virtual port). */
export interface SimPair {
  readonly net: SimNetwork;
  readonly client: SimSocket;
  readonly server: SimSocket;
  /** Binds one more socket (an attacker, a second server). */
  bind(address?: string, port?: number): SimSocket;
  /** Unsubscribes everything the pair opened. */
  close(): void;
}

export function simPair(options: { seed?: number; link?: SimLinkOptions } = {}): SimPair {
  const net = new SimNetwork({ seed: options.seed ?? 1, defaultLink: options.link ?? {} });
  const subscriptions: Subscription[] = [];
  const bind = (address = '127.0.0.1', port = 0): SimSocket => {
    let socket: SimSocket | undefined;
    subscriptions.push(net.bind({ address, port }).subscribe((s) => (socket = s)));
    if (socket === undefined) throw new Error('bind did not emit synchronously');
    return socket;
  };
  const server = bind('127.0.0.1', SIM_SERVER_PORT);
  const client = bind();
  return {
    net,
    client,
    server,
    bind,
    close: () => {
      for (const s of subscriptions.splice(0)) s.unsubscribe();
    },
  };
}
