// The README's "60-second tour" pipelines and docs/guide.md's server and client, run as written but
// on port 0, so the docs cannot drift from the API without this file failing.
import {
  decodeText,
  encodeString,
  encodeText,
  endpoint,
  filterOrigin,
  lengthField,
  prependLength,
  recvall,
} from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { retryBackoff } from '@porta/reliability';
import { connectTcp, listenTcp } from '@porta/tcp';
import { bindUdp, connectUdp } from '@porta/udp';
import {
  concat,
  defer,
  finalize,
  first,
  firstValueFrom,
  from,
  ignoreElements,
  lastValueFrom,
  merge,
  mergeMap,
  switchMap,
  take,
  toArray,
} from 'rxjs';
import { describe, expect, it } from 'vitest';

trackHandles();

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Starts `bindUdp` on port 0 with `serve` running on the socket; resolves with the socket's port. */
async function udpServer(
  onDatagram: (socket: import('@porta/udp').UdpSocket, d: import('@porta/core').Datagram) => void,
) {
  let port = 0;
  const ready = new Promise<void>((resolve) => {
    const sub = bindUdp({ address: '127.0.0.1', port: 0 })
      .pipe(
        switchMap((socket) => {
          port = socket.local.port;
          resolve();
          return socket.datagrams.pipe(mergeMap(async (d) => onDatagram(socket, d)));
        }),
      )
      .subscribe();
    stops.push(() => sub.unsubscribe());
  });
  await ready;
  return port;
}
const stops: (() => void)[] = [];
const stopAll = () => {
  for (const stop of stops.splice(0)) stop();
};

describe('README pipelines', () => {
  it('UDP: the server answers every datagram with its length', async () => {
    let port = 0;
    const server = bindUdp({ address: '127.0.0.1', port: 0 })
      .pipe(
        switchMap((socket) => {
          port = socket.local.port;
          return socket.datagrams.pipe(
            mergeMap(({ data, remote }) =>
              socket.send(encodeString(`${data.length} bytes`, 'ascii'), remote),
            ),
          );
        }),
      )
      .subscribe();
    try {
      await waitUntil(() => port !== 0);
      const reply = await firstValueFrom(
        connectUdp({ address: '127.0.0.1', port }).pipe(
          switchMap((s) => merge(s.send(encodeString('hello', 'ascii')).pipe(ignoreElements()), s.messages)),
        ),
      );
      expect(text(reply)).toBe('5 bytes');
    } finally {
      server.unsubscribe();
    }
  });

  it('TCP: length-prefixed frames out, framed text back', async () => {
    const echo = listenTcp({ host: '127.0.0.1', port: 0 });
    let port = 0;
    const server = echo
      .pipe(
        switchMap((listener) => {
          port = listener.local.port;
          return listener.connections;
        }),
        mergeMap((conn) => conn.sendAll(conn.bytes)),
      )
      .subscribe();
    try {
      await waitUntil(() => port !== 0);
      const replies = await lastValueFrom(
        connectTcp({ host: '127.0.0.1', port }).pipe(
          switchMap((conn) =>
            merge(
              conn
                .sendAll(from(['ping', 'pong']).pipe(encodeText('utf8'), prependLength()))
                .pipe(ignoreElements()),
              conn.bytes.pipe(lengthField(), decodeText('utf8')),
            ),
          ),
          take(2),
          toArray(),
        ),
      );
      expect(replies).toEqual(['ping', 'pong']);
    } finally {
      server.unsubscribe();
    }
  });

  it('Backoff: a dropped request is retried after a doubled wait and then answered', async () => {
    let seen = 0;
    try {
      const port = await udpServer((socket, d) => {
        seen += 1;
        if (seen === 1) return; // pretend to drop the first request, as udp_remote.py does
        socket.send(encodeString('answer', 'ascii'), d.remote).subscribe();
      });
      const waits: number[] = [];
      const request = encodeString('question', 'ascii');
      const reply = await firstValueFrom(
        connectUdp({ address: '127.0.0.1', port }).pipe(
          switchMap((socket) =>
            defer(() => merge(socket.send(request).pipe(ignoreElements()), socket.messages)).pipe(
              first(),
              retryBackoff({ onRetry: ({ waitMs }) => waits.push(waitMs) }),
            ),
          ),
        ),
      );
      expect(text(reply)).toBe('answer');
      expect(seen).toBe(2);
      expect(waits).toEqual([200]);
    } finally {
      stopAll();
    }
  });

  it('Origin filtering: a reply from a stranger is dropped and counted; the server is heard', async () => {
    try {
      let serverPort = 0;
      const serverReady = udpServer((socket, d) => {
        socket.send(encodeString('genuine', 'ascii'), d.remote).subscribe();
      }).then((p) => (serverPort = p));
      await serverReady;
      const server = endpoint('127.0.0.1', serverPort);
      const drops: number[] = [];
      const received = await firstValueFrom(
        bindUdp().pipe(
          switchMap((socket) => {
            // A stranger's FAKE, handed to the OS before the genuine request is even sent.
            const attacker = bindUdp().pipe(
              switchMap((a) => a.send(encodeString('FAKE', 'ascii'), socket.local)),
              take(1),
            );
            return merge(
              concat(attacker, socket.send(encodeString('hi', 'ascii'), server)).pipe(ignoreElements()),
              socket.datagrams.pipe(filterOrigin(server, { onDrop: (_d, n) => drops.push(n) })),
            );
          }),
        ),
      );
      expect(text(received.data)).toBe('genuine');
      expect(received.remote.port).toBe(serverPort);
      expect(drops).toEqual([1]);
    } finally {
      stopAll();
    }
  });
  it("Guide: the server and client of the course's 16-octet exchange, SOCKET to CLOSE", async () => {
    let port = 0;
    const server = listenTcp({ host: '127.0.0.1', port: 0 })
      .pipe(
        switchMap((listener) => {
          port = listener.local.port;
          return listener.connections;
        }),
        mergeMap((conn) =>
          conn.bytes.pipe(
            recvall(16),
            switchMap(() => conn.send(encodeString('Fechado, cliente', 'ascii'))),
            finalize(() => conn.close()),
          ),
        ),
      )
      .subscribe();
    try {
      await waitUntil(() => port !== 0);
      const reply = await firstValueFrom(
        connectTcp({ host: '127.0.0.1', port }).pipe(
          switchMap((conn) =>
            merge(
              conn.send(encodeString('Enviei, servidor', 'ascii')).pipe(ignoreElements()),
              conn.bytes.pipe(recvall(16)),
            ),
          ),
        ),
      );
      expect(text(reply)).toBe('Fechado, cliente');
    } finally {
      server.unsubscribe();
    }
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error('timed out waiting for the server to listen');
}
