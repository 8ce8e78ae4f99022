// superviseWorkers with real worker processes serving on loopback: each UDP client answered by one
// worker (reusePort: the kernel's flow hash; cluster: porta's dispatcher), TCP connections spread,
// and the workers' server events and totals reaching the primary.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  reusePortSupported,
  superviseWorkers,
  type WorkerBindMode,
  type WorkerPool,
  type WorkerServerEvent,
} from '@porta/core';
import { openTcpListener } from '@porta/tcp';
import { bindUdp, openUdpSocket, type UdpSocket as PortaUdpSocket, UdpDispatcher } from '@porta/udp';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./workerFixture.ts', import.meta.url));
const SLOW = 90_000;
const noReusePort = reusePortSupported()
  ? undefined
  : `reusePort needs Node ≥ 22.12 on Linux; this is Node ${process.versions.node} (CI runs these on 22 and 24)`;

interface Running {
  readonly pool: WorkerPool;
  readonly port: number;
  readonly events: WorkerServerEvent[];
  /** The pid of each worker slot's current process. */
  readonly pids: number[];
  readonly stop: () => Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((done) => s.bind(0, '127.0.0.1', done));
    const { port } = s.address();
    await new Promise<void>((done) => s.close(() => done()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Starts 2 fixture workers serving `proto` in `bindMode`; resolves once both serve. */
async function startPool(proto: 'udp' | 'tcp', bindMode: WorkerBindMode, workers = 2): Promise<Running> {
  const port = await freePort(proto);
  let dispatcher: UdpDispatcher | undefined;
  let closeSocket = () => {};
  const ready = new Set<number>();
  const pids: number[] = [];
  let allReady!: () => void;
  const serving = new Promise<void>((done) => (allReady = done));
  const isReady = (index: number) => {
    ready.add(index);
    if (ready.size === workers) allReady();
  };
  if (proto === 'udp' && bindMode === 'cluster') {
    const socket = await new Promise<PortaUdpSocket>((resolve) => {
      const s = bindUdp({ port }).subscribe(resolve);
      closeSocket = () => s.unsubscribe();
    });
    dispatcher = new UdpDispatcher(
      socket,
      { size: workers, send: (i, m) => pool.send(i, m) },
      { onReady: isReady },
    );
  }
  const pool = superviseWorkers({
    workers,
    bindMode,
    exec: FIXTURE,
    execArgv: ['--import', 'tsx'],
    signals: [],
    shutdownGraceMs: 10_000,
    env: {
      FIXTURE_PROTO: proto,
      FIXTURE_PORT: String(port),
      ...(dispatcher
        ? { PORTA_UDP_LOCAL: JSON.stringify({ address: '127.0.0.1', port, family: 'IPv4' }) }
        : {}),
    },
    onMessage: (index, message) => {
      if (dispatcher?.handle(index, message)) return;
      // The dispatcher's workers are ready when they read; the others once they listen.
      if (!dispatcher && (message as { fixture?: string }).fixture === 'listening') isReady(index);
    },
    onEvent: (e) => {
      if (e.type === 'online') pids[e.index] = e.pid;
      if (e.type === 'exit') dispatcher?.workerGone(e.index);
    },
  });
  const events: WorkerServerEvent[] = [];
  pool.serverEvents.subscribe((e) => events.push(e));
  const started = dispatcher?.start();
  await serving;
  const r: Running = {
    pool,
    port,
    events,
    pids,
    stop: async () => {
      await pool.stop();
      started?.unsubscribe();
      closeSocket();
    },
  };
  running.push(r);
  return r;
}

/** `clients` sockets each send `count` datagrams one after another; resolves with each one's replies. */
async function udpClients(port: number, clients: number, count: number): Promise<string[][]> {
  const sockets: UdpSocket[] = [];
  try {
    for (let c = 0; c < clients; c++) {
      const s = createSocket('udp4');
      await new Promise<void>((done) => s.bind(0, '127.0.0.1', done));
      sockets.push(s);
    }
    return await Promise.all(
      sockets.map(async (s, c) => {
        const replies: string[] = [];
        for (let i = 0; i < count; i++) {
          const reply = new Promise<string>((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`client ${c}: no reply to datagram ${i}`)), 10_000);
            s.once('message', (m) => {
              clearTimeout(timer);
              done(m.toString());
            });
          });
          s.send(`datagram ${i}`, port, '127.0.0.1');
          replies.push(await reply);
        }
        return replies;
      }),
    );
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((done) => s.close(() => done()))));
  }
}

/** Opens `count` TCP connections one after another, each says hello once; resolves with the replies. */
async function tcpClients(port: number, count: number): Promise<string[]> {
  const replies: string[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    try {
      const reply = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`connection ${i}: no reply`)), 10_000);
        socket.once('error', fail);
        socket.once('data', (d) => {
          clearTimeout(timer);
          done(d.toString());
        });
        socket.write('hello');
      });
      replies.push(reply);
    } finally {
      socket.destroy();
    }
  }
  return replies;
}

const modes: { readonly mode: WorkerBindMode; readonly skip: string | undefined }[] = [
  { mode: 'reusePort', skip: noReusePort },
  { mode: 'cluster', skip: undefined },
];

for (const { mode, skip } of modes) {
  describe.skipIf(skip !== undefined)(
    `superviseWorkers, bindMode ${mode}${skip ? ` (skipped: ${skip})` : ''}`,
    () => {
      it(
        "answers all of one UDP client's datagrams from one worker, for each of many client ports",
        async () => {
          const { port, pool } = await startPool('udp', mode);
          expect(pool.bindMode).toBe(mode);
          const replies = await udpClients(port, 16, 8);
          const homes = replies.map((r) => new Set(r));
          // Every client: 8 replies, all from the same worker.
          for (const home of homes) expect(home.size).toBe(1);
          expect(replies.flat()).toHaveLength(16 * 8);
          const byWorker = replies.map((r) => r[0]);
          console.log(
            `${mode}: 16 UDP clients over 2 workers: ${byWorker.filter((w) => w === 'worker 0').length}/${byWorker.filter((w) => w === 'worker 1').length}`,
          );
        },
        SLOW,
      );

      it(
        'spreads TCP connections over both workers',
        async () => {
          const { port } = await startPool('tcp', mode);
          const replies = await tcpClients(port, 24);
          const zero = replies.filter((r) => r === 'worker 0').length;
          const one = replies.filter((r) => r === 'worker 1').length;
          console.log(`${mode}: 24 TCP connections over 2 workers: ${zero}/${one}`);
          expect(zero + one).toBe(24);
          // Round robin gives 12/12; the kernel's hash over 24 fresh source ports almost surely
          // gives both some (all on one: 2 × 2^-24).
          expect(zero).toBeGreaterThan(0);
          expect(one).toBeGreaterThan(0);
        },
        SLOW,
      );
    },
  );
}

describe('superviseWorkers: totals and events across workers', () => {
  it(
    "totals the workers' server stats in the primary and republishes their events with the worker's index",
    async () => {
      const mode: WorkerBindMode = reusePortSupported() ? 'reusePort' : 'cluster';
      const r = await startPool('udp', mode);
      const replies = await udpClients(r.port, 10, 5);
      const answeredBy = replies.map((rs) => Number(rs[0]!.slice('worker '.length)));
      await r.pool.stop();
      const { perWorker, total } = r.pool.stats();
      // Each datagram in once and answered once, counted by the worker that served it.
      expect(total.messagesIn).toBe(50);
      expect(total.messagesOut).toBe(50);
      expect(total.opened).toBe(10);
      for (const index of [0, 1]) {
        const served = answeredBy.filter((w) => w === index).length;
        expect(perWorker[index]?.opened ?? 0).toBe(served);
        expect(perWorker[index]?.messagesIn ?? 0).toBe(served * 5);
      }
      // The drained workers said goodbye; their `active` gauge did not survive them.
      expect(total.drained).toBe(2);
      expect(total.active).toBeUndefined();
      // One `opened` event per client, from the worker that answered it.
      const opened = r.events.filter((e) => e.event.type === 'opened');
      expect(opened).toHaveLength(10);
      for (const e of opened) expect(e.event.peer?.transport).toBe('udp');
      expect(opened.map((e) => e.index).sort()).toEqual([...answeredBy].sort());
    },
    SLOW,
  );

  it(
    "keeps a crashed worker's counters in the totals after its successor starts from zero",
    async () => {
      const mode: WorkerBindMode = reusePortSupported() ? 'reusePort' : 'cluster';
      const r = await startPool('tcp', mode);
      await tcpClients(r.port, 6);
      // Let the `closed` events of the six connections arrive.
      await waitFor(() => (r.pool.stats().total.closed ?? 0) >= 6);
      const before = r.pool.stats();
      const victim = (before.perWorker[0]?.opened ?? 0) > 0 ? 0 : 1;
      process.kill(r.pids[victim]!, 'SIGKILL');
      await waitFor(() => r.pool.restarts[victim] === 1 && r.pool.isOnline(victim));
      const after = r.pool.stats();
      expect(after.total.opened).toBe(6);
      expect(after.perWorker[victim]?.opened).toBe(before.perWorker[victim]?.opened);
      expect(after.restarts[victim]).toBe(1);
    },
    SLOW,
  );
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(noReusePort !== undefined)('reusePort on a runtime that has it', () => {
  it('lets two UDP sockets and two TCP listeners of one process bind the same port', async () => {
    const port = await freePort('udp');
    const a = await openUdpSocket({ port, reusePort: true });
    const b = await openUdpSocket({ port, reusePort: true });
    expect(b.local.port).toBe(a.local.port);
    await Promise.all([a.close(), b.close()]);
    const tcpPort = await freePort('tcp');
    const l1 = await openTcpListener({ port: tcpPort, reusePort: true });
    const l2 = await openTcpListener({ port: tcpPort, reusePort: true });
    expect(l2.local.port).toBe(l1.local.port);
    await Promise.all([l1.close(), l2.close()]);
  });
});

describe.skipIf(noReusePort === undefined)('reusePort on a runtime without it (Node < 22.12)', () => {
  it('is refused with INVALID_ARGUMENT by bindUdp, listenTcp and superviseWorkers instead of failing on the second bind', async () => {
    await expect(openUdpSocket({ port: 0, reusePort: true })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Node ≥ 22.12'),
    });
    await expect(openTcpListener({ port: 0, reusePort: true })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(() => superviseWorkers({ workers: 1, bindMode: 'reusePort', signals: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
