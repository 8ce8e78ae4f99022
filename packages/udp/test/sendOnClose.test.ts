import { trackHandles } from '@porta/core/testing';
import { bindUdp, connectUdp } from '@porta/udp';
import { describe, expect, it } from 'vitest';
import { ascii, opener } from './helpers.js';

trackHandles();
const open = opener();

/** Subscribes to a send and records how it ended (undefined while it has not). */
function track(send: import('rxjs').Observable<void>) {
  const outcome: { value: 'completed' | unknown } = { value: undefined };
  send.subscribe({
    complete: () => (outcome.value = 'completed'),
    error: (e: unknown) => (outcome.value = e),
  });
  return outcome;
}

/** Lets node:dgram run every callback it still owes (bounded: an event, not a duration, is awaited). */
async function settled(outcome: { value: unknown }): Promise<void> {
  for (let i = 0; i < 200 && outcome.value === undefined; i++) await new Promise((r) => setTimeout(r, 1));
}

describe('a send the socket closes right after', () => {
  it('bindUdp: the datagram left inside send(), so the send completes instead of never settling', async () => {
    const { value: target } = await open(bindUdp());
    const sender = await open(bindUdp());
    const received = new Promise((resolve) => target.datagrams.subscribe(resolve));
    const outcome = track(sender.value.send(ascii('x'), target.local));
    sender.close();
    await settled(outcome);
    expect(outcome.value).toBe('completed');
    await received;
  });

  it('bindUdp over IPv6: the same', async () => {
    const { value: target } = await open(bindUdp({ address: '::1' }));
    const sender = await open(bindUdp({ address: '::1' }));
    const outcome = track(sender.value.send(ascii('x'), target.local));
    sender.close();
    await settled(outcome);
    expect(outcome.value).toBe('completed');
  });

  it('connectUdp: the same', async () => {
    const { value: target } = await open(bindUdp());
    const client = await open(connectUdp(target.local));
    const outcome = track(client.value.send(ascii('x')));
    client.close();
    await settled(outcome);
    expect(outcome.value).toBe('completed');
  });
});
