import { memoryTransport } from '@porta/core/testing';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../src/actor/mailbox.js';
import { type Behaviour, isPortaError, type OverflowStrategy, serve } from '../src/index.js';
import { record } from './actor-support.js';

const echo: Behaviour = (peer) => peer.messages;

/**
 * One peer whose first message is being sent back (its send held open), so the next messages wait in
 * the mailbox: the stage on which every overflow strategy plays.
 */
function stalled(overflow: OverflowStrategy, capacity: number, canPause = true) {
  const t = memoryTransport();
  const r = record(serve(t, echo, { mailbox: { capacity, overflow } }));
  const client = t.connect({ sends: 'manual', canPause });
  client.send('m0');
  expect(client.pendingSends).toBe(1);
  return { t, r, client };
}

function drain(client: ReturnType<typeof stalled>['client']): void {
  while (client.completeSends(1) > 0) {}
}

describe('mailbox overflow', () => {
  it('drop-newest keeps the first messages and counts every one it discards', () => {
    const { r, client } = stalled('drop-newest', 3);
    for (let i = 1; i <= 10; i++) client.send(`m${i}`);
    drain(client);
    expect(client.receivedText()).toEqual(['m0', 'm1', 'm2', 'm3']);
    const dropped = r.ofType('dropped');
    expect(dropped.map((e) => [e.which, e.overflow, e.peerDropped, e.bytes])).toEqual(
      [4, 5, 6, 7, 8, 9, 10].map((i, k) => ['newest', 'drop-newest', k + 1, `m${i}`.length]),
    );
    expect(r.stats()).toMatchObject({ dropped: 7, messagesIn: 11, messagesOut: 4 });
    expect(client.flow).toEqual([]);
    r.sub.unsubscribe();
  });

  it('drop-oldest keeps the latest messages and counts every one it discards', () => {
    const { r, client } = stalled('drop-oldest', 3);
    for (let i = 1; i <= 10; i++) client.send(`m${i}`);
    drain(client);
    expect(client.receivedText()).toEqual(['m0', 'm8', 'm9', 'm10']);
    const dropped = r.ofType('dropped');
    expect(dropped).toHaveLength(7);
    expect(dropped.every((e) => e.which === 'oldest' && e.overflow === 'drop-oldest')).toBe(true);
    expect(dropped.at(-1)?.peerDropped).toBe(7);
    expect(r.stats()?.dropped).toBe(7);
    r.sub.unsubscribe();
  });

  it('fail makes the actor fail with MAILBOX_OVERFLOW, and supervision (stop) closes it', () => {
    const { r, client } = stalled('fail', 3);
    for (let i = 1; i <= 4; i++) client.send(`m${i}`);
    expect(client.closed).toBe(true);
    const failed = r.ofType('failed');
    expect(failed).toHaveLength(1);
    expect(isPortaError(failed[0]?.error, 'MAILBOX_OVERFLOW')).toBe(true);
    expect(failed[0]?.outcome).toBe('stop');
    expect(r.ofType('closed')[0]).toMatchObject({ reason: 'failed', undelivered: 3 });
    expect(r.stats()).toMatchObject({ dropped: 1, failed: 1, undelivered: 3, closed: 1 });
    r.sub.unsubscribe();
  });

  it('fail under restart keeps the waiting messages for the new run', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo, { mailbox: { capacity: 2, overflow: 'fail' }, supervision: 'restart' }));
    const client = t.connect({ sends: 'manual' });
    for (let i = 0; i <= 3; i++) client.send(`m${i}`);
    expect(r.types().slice(2)).toEqual(['dropped', 'failed', 'restarted']);
    drain(client);
    expect(client.receivedText()).toEqual(['m0', 'm1', 'm2']);
    expect(client.closed).toBe(false);
    r.sub.unsubscribe();
  });

  it('backpressure pauses the link at the high-water mark and resumes it at the low-water mark, losing nothing', () => {
    const t = memoryTransport();
    const r = record(
      serve(t, echo, {
        mailbox: { capacity: 8, highWaterMark: 6, lowWaterMark: 2, overflow: 'backpressure' },
      }),
    );
    const client = t.connect({ sends: 'manual' });
    for (let i = 0; i < 20; i++) client.send(`m${i}`);
    // m0 is being sent, m1..m6 wait: six messages reach the high-water mark.
    expect(client.flow).toEqual(['pause']);
    expect(client.held).toBe(13);
    expect(r.ofType('backpressure')).toEqual([expect.objectContaining({ paused: true, queued: 6 })]);
    for (let k = 1; k <= 3; k++) client.completeSends(1);
    expect(client.flow).toEqual(['pause']);
    // The fourth send delivers m4, leaving m5 and m6: the low-water mark. The link resumes, four held
    // messages flow in and bring the mailbox back to its high-water mark.
    client.completeSends(1);
    expect(client.flow).toEqual(['pause', 'resume', 'pause']);
    expect(client.held).toBe(9);
    drain(client);
    expect(client.receivedText()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    const marks = r.ofType('backpressure');
    expect(marks.every((e) => e.queued <= 6)).toBe(true);
    expect(marks.at(-1)?.paused).toBe(false);
    expect(r.stats()).toMatchObject({ dropped: 0, messagesIn: 20, messagesOut: 20 });
    expect(r.stats()?.paused).toBe(marks.filter((e) => e.paused).length);
    r.sub.unsubscribe();
  });

  it('backpressure on a link that cannot pause (UDP) falls back to drop-newest, counted', () => {
    const { r, client } = stalled('backpressure', 3, false);
    for (let i = 1; i <= 10; i++) client.send(`m${i}`);
    drain(client);
    expect(client.flow).toEqual([]);
    expect(client.receivedText()).toEqual(['m0', 'm1', 'm2', 'm3']);
    const dropped = r.ofType('dropped');
    expect(dropped).toHaveLength(7);
    expect(dropped.every((e) => e.which === 'newest' && e.overflow === 'backpressure')).toBe(true);
    expect(r.ofType('failed')).toEqual([]);
    r.sub.unsubscribe();
  });

  it('backpressure fails the actor when a pausable link overruns the whole capacity', () => {
    const t = memoryTransport();
    const r = record(serve(t, echo, { mailbox: { capacity: 3, highWaterMark: 2, lowWaterMark: 0 } }));
    const client = t.connect({ sends: 'manual' });
    client.send('m0');
    client.send('m1');
    client.send('m2');
    expect(client.flow).toEqual(['pause']);
    // Simulate a link that keeps delivering although paused: lift the pause behind the runtime's back.
    client.link.resume?.();
    client.send('m3');
    client.send('m4');
    expect(r.ofType('dropped')).toHaveLength(1);
    expect(isPortaError(r.ofType('failed')[0]?.error, 'MAILBOX_OVERFLOW')).toBe(true);
    expect(client.closed).toBe(true);
    r.sub.unsubscribe();
  });
});

describe('Mailbox', () => {
  it('defaults to capacity 128, water marks 96 / 32, backpressure', () => {
    const box = new Mailbox();
    expect([box.capacity, box.highWaterMark, box.lowWaterMark, box.overflow]).toEqual([
      128,
      96,
      32,
      'backpressure',
    ]);
    const one = new Mailbox({ capacity: 1 });
    expect([one.highWaterMark, one.lowWaterMark]).toEqual([1, 0]);
  });

  it('rejects bounds that cannot work', () => {
    expect(() => new Mailbox({ capacity: 0 })).toThrow(/capacity/);
    expect(() => new Mailbox({ capacity: 1.5 })).toThrow(/capacity/);
    expect(() => new Mailbox({ capacity: 4, highWaterMark: 5 })).toThrow(/highWaterMark/);
    expect(() => new Mailbox({ capacity: 4, highWaterMark: 2, lowWaterMark: 2 })).toThrow(/lowWaterMark/);
    expect(() => new Mailbox({ overflow: 'drop-all' as OverflowStrategy })).toThrow(/overflow/);
  });

  it('is a FIFO that never grows past its capacity', () => {
    const box = new Mailbox<number>({ capacity: 5000 });
    for (let i = 0; i < 5000; i++) box.push(i);
    expect(box.isFull).toBe(true);
    expect(() => box.push(5000)).toThrow(/full/);
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) out.push(box.shift() as number);
    for (let i = 5000; i < 8000; i++) box.push(i);
    while (box.size > 0) out.push(box.shift() as number);
    expect(out).toEqual(Array.from({ length: 8000 }, (_, i) => i));
    expect(box.shift()).toBeUndefined();
    box.push(1);
    box.end();
    expect([box.ended, box.clear(), box.size]).toEqual([true, 1, 0]);
  });
});
