import {
  endpoint,
  LINKTYPE_RAW,
  PacketCapture,
  pcapngEnhancedPacket,
  pcapngInterfaceDescription,
  pcapngSectionHeader,
} from '@porta/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  captureDir,
  tshark,
  tsharkFields,
  tsharkSkipReason,
  writeCapture,
} from '../../../test/support/tshark.js';
import { internetChecksum, tcpPacket, udpPacket } from '../src/capture/internal/ipPacket.js';
import { readPcapng } from './pcapngReader.js';

const decoder = new TextDecoder();
const text = (s: string) => new TextEncoder().encode(s);

describe('pcapng blocks', () => {
  it('writes a section header the format recognises: magic, byte order, version 1.0, application', () => {
    const [shb] = readPcapng(pcapngSectionHeader('porta'));
    const body = new DataView(shb!.body.buffer, shb!.body.byteOffset);
    expect(shb!.type).toBe(0x0a0d0d0a);
    expect(body.getUint32(0, true)).toBe(0x1a2b3c4d);
    expect([body.getUint16(4, true), body.getUint16(6, true)]).toEqual([1, 0]);
    expect(body.getBigInt64(8, true)).toBe(-1n);
    expect(shb!.options.map((o) => [o.code, decoder.decode(o.value)])).toEqual([[4, 'porta']]);
  });

  it('declares nanosecond timestamps (if_tsresol 9) on a raw-IP interface', () => {
    const [idb] = readPcapng(pcapngInterfaceDescription({ name: 'lo' }));
    const body = new DataView(idb!.body.buffer, idb!.body.byteOffset);
    expect(body.getUint16(0, true)).toBe(LINKTYPE_RAW);
    expect(idb!.options.find((o) => o.code === 9)?.value).toEqual(Uint8Array.of(9));
    expect(decoder.decode(idb!.options.find((o) => o.code === 2)?.value)).toBe('lo');
  });

  it('round-trips any packet: bytes, 64-bit timestamp, lengths and UTF-8 comments, padded to 32 bits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 3 }),
        fc.nat({ max: 7 }),
        (data, timestampNs, comments, interfaceId) => {
          const bytes = pcapngEnhancedPacket({ data, timestampNs, comments, interfaceId });
          expect(bytes.length % 4).toBe(0);
          const [epb] = readPcapng(bytes);
          const body = new DataView(epb!.body.buffer, epb!.body.byteOffset);
          expect(epb!.type).toBe(6);
          expect(body.getUint32(0, true)).toBe(interfaceId);
          expect((BigInt(body.getUint32(4, true)) << 32n) | BigInt(body.getUint32(8, true))).toBe(
            timestampNs,
          );
          expect(body.getUint32(12, true)).toBe(data.length);
          expect(body.getUint32(16, true)).toBe(data.length);
          expect(epb!.body.subarray(20, 20 + data.length)).toEqual(data);
          expect(epb!.options.map((o) => decoder.decode(o.value))).toEqual(comments);
        },
      ),
    );
  });
});

describe('synthesized IP packets', () => {
  const hosts = fc.constantFrom('127.0.0.1', '10.1.2.3', '::1', 'fe80::1:2', '::ffff:127.0.0.2');
  const v4 = (a: string) => !a.includes(':') || a.startsWith('::ffff:');

  it('carry checksums that verify (IPv4 header, and UDP/TCP over the pseudo-header)', () => {
    fc.assert(
      fc.property(
        hosts,
        hosts,
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        (a, b, pa, pb, payload, tcp) => {
          fc.pre(v4(a) === v4(b));
          const from = endpoint(a, pa);
          const to = endpoint(b, pb);
          const packet = tcp
            ? tcpPacket(from, to, { seq: 7, ack: 9, flags: 0x18, payload })
            : udpPacket(from, to, payload);
          const ipv4 = packet[0]! >> 4 === 4;
          expect(ipv4).toBe(v4(a));
          const header = ipv4 ? 20 : 40;
          if (ipv4) expect(internetChecksum(packet, 0, 20)).toBe(0);
          // Re-sum the transport with its pseudo-header: a correct checksum makes it come out zero.
          const length = packet.length - header;
          const pseudo = new Uint8Array((ipv4 ? 12 : 40) + length);
          const addresses = ipv4 ? packet.subarray(12, 20) : packet.subarray(8, 40);
          pseudo.set(addresses, 0);
          const dv = new DataView(pseudo.buffer);
          if (ipv4) {
            pseudo[9] = tcp ? 6 : 17;
            dv.setUint16(10, length);
          } else {
            dv.setUint32(32, length);
            pseudo[39] = tcp ? 6 : 17;
          }
          pseudo.set(packet.subarray(header), ipv4 ? 12 : 40);
          expect(internetChecksum(pseudo)).toBe(0);
        },
      ),
    );
  });
});

const skip = tsharkSkipReason();
describe.skipIf(skip !== undefined)(
  `a PacketCapture read back by tshark${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const dir = captureDir();
    afterAll(() => dir.remove());

    function capture(name: string, fill: (c: PacketCapture) => void): string {
      const chunks: Uint8Array[] = [];
      const c = new PacketCapture({
        write: (b) => chunks.push(b),
        decisions: false,
        clock: () => 1_700_000_000_123.5,
      });
      fill(c);
      c.close();
      const file = dir.path(name);
      writeCapture(file, chunks);
      return file;
    }

    it('shows UDP datagrams over IPv4 and IPv6 with their ports, payloads, comments and good checksums', () => {
      const a = endpoint('127.0.0.1', 50312);
      const b = endpoint('127.0.0.1', 1060);
      const c6 = endpoint('::1', 40000);
      const d6 = endpoint('::1', 1061);
      const file = capture('udp.pcapng', (c) => {
        c.datagram(a, b, text('hello'));
        c.datagram(b, a, text('5 bytes'), { comment: 'the reply' });
        c.datagram(c6, d6, text('over IPv6'), { at: 1.000001 } /* one nanosecond past 1 ms */);
      });
      const rows = tsharkFields(
        file,
        [
          'frame.time_epoch',
          'ip.src',
          'ipv6.src',
          'udp.srcport',
          'udp.dstport',
          'udp.payload',
          'udp.checksum.status',
          'frame.comment',
        ],
        undefined,
      );
      expect(rows).toEqual([
        [
          '1700000000.123500000',
          '127.0.0.1',
          '',
          '50312',
          '1060',
          Buffer.from('hello').toString('hex'),
          '1',
          '',
        ],
        [
          '1700000000.123500000',
          '127.0.0.1',
          '',
          '1060',
          '50312',
          Buffer.from('5 bytes').toString('hex'),
          '1',
          'the reply',
        ],
        ['0.001000001', '', '::1', '40000', '1061', Buffer.from('over IPv6').toString('hex'), '1', ''],
      ]);
    });

    it('shows a TCP flow as a handshake, data both ways and FINs that "follow tcp" reassembles', () => {
      const client = endpoint('127.0.0.1', 50400);
      const server = endpoint('127.0.0.1', 1060);
      const big = new Uint8Array(70_000).fill(0x61); // more than one IP packet holds: two segments
      const file = capture('tcp.pcapng', (c) => {
        const flow = c.tcp(client, server);
        flow.data('client', text('Enviei, '));
        flow.data('client', text('servidor'));
        flow.data('server', text('Fechado, cliente'));
        flow.data('client', big);
        flow.fin('client');
        flow.fin('server');
        expect(flow.ended).toBe(true);
      });
      const rows = tsharkFields(file, [
        'tcp.flags.str',
        'tcp.seq',
        'tcp.ack',
        'tcp.len',
        'tcp.checksum.status',
      ]);
      const flags = rows.map((r) => r[0]!.replaceAll('·', '').trim());
      expect(flags.slice(0, 3)).toEqual(['S', 'AS', 'A']);
      expect(rows.map((r) => r[3])).toEqual([
        '0',
        '0',
        '0',
        '8',
        '8',
        '16',
        '65495',
        '4505',
        '0',
        '0',
        '0',
        '0',
      ]);
      // Relative sequence numbers count each side's bytes; acknowledgements count the other side's.
      expect(rows[5]!.slice(1, 3)).toEqual(['1', '17']);
      expect(rows[6]!.slice(1, 3)).toEqual(['17', '17']);
      expect(rows.every((r) => r[4] === '1')).toBe(true);
      const analysis = tsharkFields(file, ['tcp.analysis.flags'], 'tcp.analysis.flags');
      expect(analysis).toEqual([]); // no lost segment, no retransmission, no out-of-order in Wireshark's eyes
      const follow = tshark(file, ['-q', '-z', 'follow,tcp,ascii,0']);
      // Booleans, not toContain: a failure would print 70 kB of the stream.
      const [head] = follow.split('a'.repeat(100));
      expect(head?.includes('Node 0: 127.0.0.1:50400')).toBe(true);
      expect(head?.includes('\n8\nEnviei, \n8\nservidor\n\t16\nFechado, cliente\n65495\n')).toBe(true);
      const bigLines = follow.split('\n').filter((line) => /^a+$/.test(line));
      expect(bigLines.map((line) => line.length)).toEqual([65_495, 4_505]);
    });

    it('records a reset and nothing after it', () => {
      const file = capture('rst.pcapng', (c) => {
        const flow = c.tcp(endpoint('::1', 50401), endpoint('::1', 1060));
        flow.data('client', text('x'));
        flow.reset('server', { comment: 'CONNECTION_RESET' });
        flow.data('client', text('ignored'));
        flow.fin('client');
      });
      const rows = tsharkFields(file, ['tcp.flags.reset', 'frame.comment', 'ipv6.dst']);
      expect(rows.length).toBe(5);
      expect(rows[4]).toEqual(['1', 'CONNECTION_RESET', '::1']);
    });
  },
);
