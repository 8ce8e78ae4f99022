import { NEVER } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { captureDir, tshark, tsharkFields, tsharkSkipReason } from '../../test/support/tshark.js';
import { main } from '../src/cli/main.js';
import { lengthReply, REMOTE_REQUEST } from '../src/index.js';
import { cleanUpChildren, freePort, porta, python, pythonSkipReason } from './support.js';

// `--pcap FILE` on the command line: the capture a person opens in Wireshark, read back by tshark.
cleanUpChildren();
const noTshark = tsharkSkipReason();
const noPython = pythonSkipReason();
const hex = (text: string) => Buffer.from(text, 'ascii').toString('hex');

describe.skipIf(noTshark !== undefined)(`porta --pcap${noTshark ? ` (skipped: ${noTshark})` : ''}`, () => {
  const dir = captureDir();
  afterAll(() => dir.remove());

  it.skipIf(noPython !== undefined)(
    "porta udp-remote client against the course's udp_remote.py --seed 9: exactly four requests and one reply",
    async () => {
      const port = await freePort('udp');
      const server = python('udp_remote.py', ['servidor', '127.0.0.1', '-p', String(port), '--seed', '9']);
      await server.line(/^Servidor >> Escutando no IP e porta/);
      const file = dir.path('udp-remote.pcapng');
      const client = porta(['udp-remote', 'client', '127.0.0.1', '-p', String(port), '--pcap', file]);
      expect(await client.exited).toBe(0);
      const rows = tsharkFields(file, ['udp.srcport', 'udp.dstport', 'udp.payload', 'frame.comment']);
      const requests = rows.filter((r) => r[1] === String(port));
      const replies = rows.filter((r) => r[0] === String(port));
      expect(rows.length).toBe(5);
      expect(requests.map((r) => r[2])).toEqual(Array(4).fill(hex(REMOTE_REQUEST)));
      expect(replies.map((r) => r[2])).toEqual([hex(lengthReply(REMOTE_REQUEST.length))]);
      expect(rows.map((r) => r[3])).toEqual([
        '',
        'retransmit, attempt 2 (then waits 200 ms)',
        'retransmit, attempt 3 (then waits 400 ms)',
        'retransmit, attempt 4 (then waits 800 ms)',
        'requester accepted the reply',
      ]);
      expect(rows.at(-1)![0]).toBe(String(port)); // the reply comes last
    },
  );

  it('the tour: every step with real sockets is marked, and the 16-octet TCP exchange is a followable stream', async () => {
    const file = dir.path('tour.pcapng');
    // In this process (the command's own main), not a child: the tour alone takes seconds.
    const code = await main(['tour', '--pcap', file], {
      out: () => {},
      err: (line) => console.error(line),
      stdin: process.stdin,
      interrupt: NEVER,
      isTTY: false,
    });
    expect(code).toBe(0);
    const marks = tsharkFields(
      file,
      ['frame.number', 'frame.comment'],
      'frame.comment contains "porta tour"',
    );
    expect(marks.map((r) => r[1])).toEqual([
      'porta tour, step 1: udp-local',
      'porta tour, step 2: tcp-16',
      'porta tour, step 3: udp-remote',
      'porta tour, step 4: server down',
      'porta tour, step 5: promiscuous',
      'porta tour, step 6: tic-tac-toe',
    ]);
    const frame = (step: number) => Number(marks[step - 1]![0]);
    // tcp-16 is the first TCP connection: stream 0, 16 octets each way.
    const follow = tshark(file, ['-q', '-z', 'follow,tcp,ascii,0']);
    expect(follow).toContain('16\nEnviei, servidor\n\t16\nFechado, cliente');
    // udp-remote (seed 9): four requests from one client port, one reply.
    const udpRemote = tsharkFields(
      file,
      ['udp.length', 'frame.comment'],
      `udp && frame.number >= ${frame(3)} && frame.number < ${frame(4)}`,
    );
    expect(udpRemote.map((r) => r[0])).toEqual(['61', '61', '61', '61', '78']);
    // server down: five requests, no reply.
    expect(
      tsharkFields(file, ['udp.length'], `udp && frame.number >= ${frame(4)} && frame.number < ${frame(5)}`),
    ).toHaveLength(5);
    // promiscuous: porta's client refused both spoofs, and said why in the capture.
    const refused = tsharkFields(file, ['frame.comment'], 'frame.comment contains "filterOrigin dropped"');
    expect(refused).toHaveLength(2);
    expect(tsharkFields(file, ['tcp.analysis.flags'], 'tcp.analysis.flags')).toEqual([]);
  }, 90_000);

  it('--pcap without a file name is a usage error', async () => {
    const child = porta(['udp-local', 'server', '--pcap']);
    expect(await child.exited).toBe(2);
    expect(child.stderr.join('\n')).toContain('--pcap');
  });
});
