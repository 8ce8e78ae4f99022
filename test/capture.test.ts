import { captureFile, encodeString, endpoint, PacketCapture } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { decodePortaMessage, replyTo, requester, SimNetwork } from '@porta/reliability';
import { connectTcp, listenTcp } from '@porta/tcp';
import { bindUdp } from '@porta/udp';
import { ignoreElements, lastValueFrom, merge, mergeMap, switchMap, take, timeout } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { captureDir, tshark, tsharkFields, tsharkSkipReason, writeCapture } from './support/tshark.js';

/** The simulated server's port: SimNetwork binds no real socket, so a fixed port collides with nothing. */
const SIM_SERVER_PORT = 1060;

trackHandles();
const skip = tsharkSkipReason();
const ascii = (s: string) => encodeString(s, 'ascii');

describe.skipIf(skip !== undefined)(
  `captures of porta sockets, read by tshark${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const dir = captureDir();
    afterAll(() => dir.remove());

    it('a UDP requester capture holds each send and reply, the retransmit and the refused spoof as comments', async () => {
      const file = dir.path('requester.pcapng');
      const capture = captureFile(file);
      const run = bindUdp().pipe(
        switchMap((server) =>
          merge(
            // The server ignores attempt 1 (so the client retransmits), answers attempt 2, and meanwhile
            // a stranger on 127.0.0.2 sends the client a FAKE reply.
            server.datagrams.pipe(
              mergeMap(({ data, remote }) => {
                const request = decodePortaMessage(data);
                if (request.attempt === 1) {
                  return bindUdp({ address: '127.0.0.2' }).pipe(
                    switchMap((stranger) => stranger.send(replyTo(request, ascii('FAKE')), remote)),
                    take(1),
                    ignoreElements(),
                  );
                }
                return server.send(replyTo(request, ascii('real')), remote).pipe(ignoreElements());
              }),
            ),
            bindUdp({ capture }).pipe(
              switchMap((client) => requester(client).request(ascii('hello'), server.local)),
            ),
          ),
        ),
        take(1),
        timeout(5_000),
      );
      const reply = await lastValueFrom(run);
      capture.close();
      expect(new TextDecoder().decode(reply)).toBe('real');
      const rows = tsharkFields(file, [
        'ip.src',
        'udp.srcport',
        'udp.dstport',
        'udp.length',
        'frame.comment',
      ]);
      expect(rows.length).toBe(4);
      // Attempt 1, the stranger's FAKE (sent as attempt 1 arrived), attempt 2 after 100 ms, the reply.
      expect(rows.map((r) => r[0])).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.1']);
      expect(rows[0]![4]).toBe('');
      expect(rows[1]![4]).toMatch(/^requester rejected: wrongOrigin \(from 127\.0\.0\.2:\d+\)$/);
      expect(rows[2]![4]).toBe('retransmit, attempt 2 (then waits 200 ms)');
      expect(rows[3]![4]).toMatch(/^requester accepted the reply to attempt 2, RTT \d+ ms$/);
      expect(rows[2]![1]).toBe(rows[0]![1]); // the same client port: a retransmission, not a new socket
      expect(rows[1]![3]).toBe(String(8 + 14 + 4)); // UDP header, porta's header, FAKE
    });

    it('a TCP capture of both ends is a followable stream: handshake, 16 octets each way, FINs', async () => {
      const serverFile = dir.path('tcp-server.pcapng');
      const clientFile = dir.path('tcp-client.pcapng');
      const serverCapture = captureFile(serverFile);
      const clientCapture = captureFile(clientFile);
      const exchange = listenTcp({ capture: serverCapture }).pipe(
        switchMap((listener) =>
          merge(
            listener.connections.pipe(
              mergeMap((conn) =>
                conn.bytes.pipe(
                  take(1),
                  mergeMap(() => conn.send(ascii('Fechado, cliente'))),
                  mergeMap(() => {
                    conn.end();
                    return conn.closed;
                  }),
                  ignoreElements(),
                ),
              ),
            ),
            connectTcp({ host: '127.0.0.1', port: listener.local.port, capture: clientCapture }).pipe(
              switchMap((conn) =>
                conn.send(ascii('Enviei, servidor')).pipe(
                  switchMap(() => conn.bytes),
                  take(1),
                  mergeMap((reply) => {
                    conn.end();
                    return conn.closed.pipe(mergeMap(async () => reply));
                  }),
                ),
              ),
            ),
          ),
        ),
        take(1),
        timeout(5_000),
      );
      const reply = await lastValueFrom(exchange);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the server's side of the close
      serverCapture.close();
      clientCapture.close();
      expect(new TextDecoder().decode(reply)).toBe('Fechado, cliente');
      for (const file of [serverFile, clientFile]) {
        const follow = tshark(file, ['-q', '-z', 'follow,tcp,ascii,0']);
        expect(follow).toContain('16\nEnviei, servidor\n\t16\nFechado, cliente');
        const flags = tsharkFields(file, ['tcp.flags.syn', 'tcp.flags.fin', 'tcp.checksum.status']);
        expect(flags.filter((r) => r[0] === '1').length).toBe(2);
        expect(flags.filter((r) => r[1] === '1').length).toBe(2);
        expect(flags.every((r) => r[2] === '1')).toBe(true);
        expect(tsharkFields(file, ['tcp.analysis.flags'], 'tcp.analysis.flags')).toEqual([]);
      }
    });

    it('a simulated network writes virtual timestamps and says which datagrams it lost', () => {
      const chunks: Uint8Array[] = [];
      const capture = new PacketCapture({ write: (c) => chunks.push(c) });
      const net = new SimNetwork({ seed: 3, capture });
      net.setLink({}, { port: SIM_SERVER_PORT }, { lossRate: 1 }); // the first request is lost…
      const server = net
        .bind({ port: SIM_SERVER_PORT })
        .pipe(
          switchMap((s) =>
            s.datagrams.pipe(
              mergeMap(({ data, remote }) => s.send(replyTo(decodePortaMessage(data), ascii('ok')), remote)),
            ),
          ),
        );
      const client = net.bind().pipe(
        switchMap((socket) =>
          requester(socket, { scheduler: net.scheduler }).request(
            ascii('hi'),
            endpoint('127.0.0.1', SIM_SERVER_PORT),
          ),
        ),
        take(1),
      );
      net.scheduler.schedule(() => net.clearLinks(), 50); // …then the link heals
      const result = net.run(merge(server.pipe(ignoreElements()), client));
      capture.close();
      expect(result.values.length).toBe(1);
      const file = dir.path('sim.pcapng');
      writeCapture(file, chunks);
      const rows = tsharkFields(file, ['frame.time_epoch', 'udp.dstport', 'frame.comment']);
      expect(rows).toEqual([
        ['0.000000000', '1060', 'lost by the simulated network'],
        ['0.100000000', '1060', 'retransmit, attempt 2 (then waits 200 ms)'],
        ['0.100000000', '49152', 'requester accepted the reply to attempt 2, RTT 0 ms'],
      ]);
    });
  },
);
