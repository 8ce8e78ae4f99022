import { endpoint, PacketCapture, portaChannels } from '@porta/core';
import { describe, expect, it } from 'vitest';
import { readPcapng } from './pcapngReader.js';

const decoder = new TextDecoder();
const a = endpoint('127.0.0.1', 50000);
const b = endpoint('127.0.0.1', 1060);

function recorder(decisions = true) {
  const chunks: Uint8Array[] = [];
  const capture = new PacketCapture({ write: (c) => chunks.push(c), decisions, clock: () => 0 });
  const packets = () =>
    readPcapng(Buffer.concat(chunks))
      .filter((block) => block.type === 6)
      .map((block) => block.options.map((o) => decoder.decode(o.value)));
  return { capture, packets };
}

describe('PacketCapture', () => {
  it('holds packets until the end of the tick, then writes them in order', async () => {
    const { capture, packets } = recorder();
    capture.datagram(a, b, Uint8Array.of(1));
    capture.datagram(b, a, Uint8Array.of(2));
    expect(packets()).toEqual([]);
    await Promise.resolve();
    expect(packets()).toEqual([[], []]);
    expect(capture.packets).toBe(2);
    capture.close();
  });

  it('comments a packet received this tick with the decision porta took about it', () => {
    const { capture, packets } = recorder();
    const spoof = Uint8Array.of(0x46, 0x41, 0x4b, 0x45);
    capture.datagram(endpoint('127.0.0.9', 1060), a, spoof);
    portaChannels.requestReject.publish({
      local: a,
      remote: endpoint('127.0.0.9', 1060),
      reason: 'wrongOrigin',
      data: spoof,
    });
    portaChannels.requestReject.publish({ local: a, remote: b, reason: 'late', data: Uint8Array.of(9) }); // never captured
    capture.close();
    expect(packets()).toEqual([['requester rejected: wrongOrigin (from 127.0.0.9:1060)']]);
  });

  it('comments the next send of a datagram announced as a retransmission, and only that one', () => {
    const { capture, packets } = recorder();
    const request = Uint8Array.of(1, 2, 3);
    capture.datagram(a, b, request);
    portaChannels.requestSend.publish({ local: a, remote: b, attempt: 2, waitMs: 200, data: request });
    capture.datagram(a, b, request);
    capture.datagram(a, b, request);
    capture.close();
    expect(packets()).toEqual([[], ['retransmit, attempt 2 (then waits 200 ms)'], []]);
  });

  it('with decisions off, or once closed, hears no channel and records nothing more', () => {
    const { capture, packets } = recorder(false);
    const data = Uint8Array.of(7);
    capture.datagram(a, b, data);
    portaChannels.impairDrop.publish({ data, bytes: 1 });
    capture.close();
    capture.datagram(a, b, data);
    expect(packets()).toEqual([[]]);
    expect(portaChannels.impairDrop.hasSubscribers).toBe(false);
  });
});
