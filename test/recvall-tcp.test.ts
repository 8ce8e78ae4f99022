import { recvall } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { connectTcp, listenTcp } from '@porta/tcp';
import { concatMap, firstValueFrom, lastValueFrom, map, Subscription, switchMap } from 'rxjs';
import { describe, expect, it } from 'vitest';

trackHandles();

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder('ascii').decode(b);

describe("recvall over a real TCP connection (the course's tcp_exemplo.py)", () => {
  it('client sends 16 octets, the server answers 16 octets, each read with recvall(16)', async () => {
    const subs = new Subscription();
    const serverSaw: string[] = [];
    const listener = await new Promise<{ port: number }>((resolve, reject) => {
      subs.add(
        listenTcp({ port: 0 })
          .pipe(
            switchMap((l) => {
              resolve({ port: l.local.port });
              return l.connections;
            }),
            // servidor: message = recvall(sc, 16); sc.sendall(b'Fechado, cliente'); sc.close()
            concatMap((sc) =>
              sc.bytes.pipe(
                recvall(16),
                concatMap((message) => {
                  serverSaw.push(text(message));
                  return sc.send(ascii('Fechado, cliente'));
                }),
                map(() => sc.close()),
              ),
            ),
          )
          .subscribe({ error: reject }),
      );
    });

    // cliente: sock.sendall(b'Enviei, servidor'); reply = recvall(sock, 16)
    const reply = await firstValueFrom(
      connectTcp({ host: '127.0.0.1', port: listener.port }).pipe(
        // No take(1) here: the connection lives as long as this subscription does.
        switchMap((sock) =>
          sock.send(ascii('Enviei, servidor')).pipe(
            switchMap(() => sock.bytes.pipe(recvall(16))),
            map((bytes) => {
              sock.close();
              return text(bytes);
            }),
          ),
        ),
      ),
    );
    expect(serverSaw).toEqual(['Enviei, servidor']);
    expect(reply).toBe('Fechado, cliente');
    subs.unsubscribe();
  });

  it("a peer that closes after 9 bytes → TRUNCATED with the counts (the course's EOFError)", async () => {
    const subs = new Subscription();
    const port = await new Promise<number>((resolve) => {
      subs.add(
        listenTcp()
          .pipe(
            switchMap((l) => {
              resolve(l.local.port);
              return l.connections;
            }),
            concatMap((sc) => sc.send(ascii('Fechado, ')).pipe(map(() => sc.end()))),
          )
          .subscribe(),
      );
    });
    const err = await lastValueFrom(
      connectTcp({ host: '127.0.0.1', port }).pipe(
        // No take(1) here: the connection lives as long as this subscription does.
        switchMap((sock) => sock.bytes.pipe(recvall(16))),
      ),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRUNCATED' });
    expect((err as Error).message).toContain('expected 16 bytes but received only 9');
    subs.unsubscribe();
  });
});
