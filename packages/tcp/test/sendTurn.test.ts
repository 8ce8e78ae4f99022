import net from 'node:net';
import { trackHandles } from '@porta/core/testing';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TcpConnection, type TcpConnectionOptions } from '../src/index.js';
import { until } from './support.js';

trackHandles();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A raw server on loopback that records what it receives, and a TcpConnection over a raw client socket. */
async function wrappedClient(options: TcpConnectionOptions = {}) {
  const received: Buffer[] = [];
  const accepted = new Set<net.Socket>();
  const server = net.createServer((s) => {
    accepted.add(s);
    s.on('data', (c) => received.push(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const conn = new TcpConnection(socket, options);
  // Node writes one chunk with _write and several buffered ones with _writev: one system call each.
  const writes = vi.spyOn(socket as unknown as { _write: () => void }, '_write');
  const writevs = vi.spyOn(socket as unknown as { _writev: (chunks: unknown[]) => void }, '_writev');
  cleanups.push(async () => {
    await conn[Symbol.asyncDispose]();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { conn, socket, received, writes, writevs, text: () => Buffer.concat(received).toString() };
}

const burst = (n: number) => Array.from({ length: n }, (_, i) => `m${i};`);

describe('TcpConnection.send: a burst in one turn', () => {
  it('the first send goes at once, the rest of the turn in one write; each completes, in order, and all arrive', async () => {
    const c = await wrappedClient();
    const completed: number[] = [];
    const messages = burst(10);
    messages.forEach((m, i) => {
      c.conn.send(Buffer.from(m)).subscribe({ complete: () => completed.push(i) });
    });
    await until(() => completed.length === 10, 'every send completes');
    expect(completed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.writes).toHaveBeenCalledTimes(1);
    expect(c.writevs).toHaveBeenCalledTimes(1);
    expect((c.writevs.mock.calls[0]?.[0] as unknown[]).length).toBe(9);
    await until(() => c.text() === messages.join(''), 'the bytes, in order');
    expect(c.conn.stats.bytesWritten).toBe(messages.join('').length);
  });

  it('gathers at most maxWriteBatchBytes: a longer burst is written as soon as that much waits', async () => {
    const c = await wrappedClient({ maxWriteBatchBytes: 10 });
    const messages = burst(10); // 4 bytes each: the first alone, then 3 per write (12 ≥ 10)
    let completed = 0;
    for (const m of messages) c.conn.send(Buffer.from(m)).subscribe({ complete: () => completed++ });
    await until(() => completed === 10, 'every send completes');
    // Unbounded, the burst would be two writes (the first send, then one writev of the rest); each
    // 10 bytes corked are let go at once (Node may still gather what waits behind a write in flight).
    expect(c.writes.mock.calls.length + c.writevs.mock.calls.length).toBeGreaterThanOrEqual(3);
    await until(() => c.text() === messages.join(''), 'the bytes, in order');
  });

  it('sends in different turns are written each on its own, as before', async () => {
    const c = await wrappedClient();
    for (const m of burst(3)) await lastValueFrom(c.conn.send(Buffer.from(m)));
    expect(c.writes).toHaveBeenCalledTimes(3);
    expect(c.writevs).not.toHaveBeenCalled();
    await until(() => c.text() === burst(3).join(''), 'the bytes');
  });

  it('a burst cut off by close: the sends that had not reached the OS fail typed, none completes after', async () => {
    const c = await wrappedClient();
    const outcomes: string[] = [];
    for (const m of burst(5)) {
      c.conn.send(Buffer.from(m)).subscribe({
        complete: () => outcomes.push('ok'),
        error: (e: { code?: string }) => outcomes.push(e.code ?? 'untyped'),
      });
    }
    c.conn.close();
    await until(() => outcomes.length === 5, 'every send settles');
    // The first was handed to the OS inside write(); the corked rest were dropped with the socket.
    expect(outcomes[0]).toBe('ok');
    expect(outcomes.slice(1).every((o) => o !== 'ok' && o !== 'untyped')).toBe(true);
  });
});

it('a send made in the callback turn of the previous one (one at a time, as the actor sends) is not held back', async () => {
  const c = await wrappedClient();
  const messages = burst(4);
  const corkedAfterSend: number[] = [];
  let i = 0;
  const next = (): void => {
    const m = messages[i++];
    if (m === undefined) return;
    c.conn.send(Buffer.from(m)).subscribe({ complete: next });
    corkedAfterSend.push(c.socket.writableCorked);
  };
  next();
  await until(() => c.text() === messages.join(''), 'the bytes');
  expect(corkedAfterSend).toEqual([0, 0, 0, 0]);
  expect(c.writevs).not.toHaveBeenCalled();
  expect(c.writes).toHaveBeenCalledTimes(4);
});
