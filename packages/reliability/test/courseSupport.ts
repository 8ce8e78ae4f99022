// Real-socket helpers of the course and attack tests (not a test file itself).

import { type BindUdpOptions, bindUdp, type UdpSocket } from '@porta/udp';
import type { Observable, Subscription, VirtualTimeScheduler } from 'rxjs';

export interface Opened {
  readonly socket: UdpSocket;
  readonly close: () => void;
}

/** Binds a real UDP socket (loopback, port 0 unless told) and resolves once it is bound. */
export function openUdp(options: BindUdpOptions = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const holder: { sub?: Subscription } = {};
    holder.sub = bindUdp({ address: '127.0.0.1', port: 0, ...options }).subscribe({
      next: (socket) => resolve({ socket, close: () => holder.sub?.unsubscribe() }),
      error: reject,
    });
  });
}

/** Polls `condition` on the event loop (real I/O keeps flowing) until it holds; fails after `limitMs`. */
export async function waitFor(condition: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Runs a virtual clock next to real sockets: before each timer fires, `settle` waits for the real
 * I/O the previous step started (a datagram to arrive); then virtual time jumps to the next timer.
 */
export async function driveVirtual(
  scheduler: VirtualTimeScheduler,
  done: () => boolean,
  settle: () => Promise<void>,
): Promise<void> {
  while (!done()) {
    await settle();
    const next = scheduler.actions[0];
    if (next === undefined) break;
    scheduler.maxFrames = next.delay;
    scheduler.flush();
  }
}

/**
 * Subscribes to one request and drives it to its end in virtual time (see {@link driveVirtual});
 * resolves with the replies it emitted, decoded as text.
 */
export async function requestInVirtualTime(
  request: Observable<Uint8Array>,
  scheduler: VirtualTimeScheduler,
  settle: () => Promise<void>,
): Promise<string[]> {
  const replies: string[] = [];
  let ended = false;
  const sub = request.subscribe({
    next: (r) => replies.push(new TextDecoder().decode(r)),
    complete: () => (ended = true),
    error: () => (ended = true),
  });
  try {
    await driveVirtual(scheduler, () => ended, settle);
  } finally {
    sub.unsubscribe();
  }
  return replies;
}
