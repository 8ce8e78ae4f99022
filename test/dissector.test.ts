import { resolve } from 'node:path';
import { encodeString, endpoint, PacketCapture } from '@porta/core';
import { encodePortaMessage, sign, verify } from '@porta/reliability';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/coursePrograms.js';
import { captureDir, tsharkFields, tsharkSkipReason, writeCapture } from './support/tshark.js';

// examples/wireshark/porta.lua: porta's headers as Wireshark fields, read back by tshark -X lua_script.
const skip = tsharkSkipReason();
const script = resolve(repoRoot, 'examples/wireshark/porta.lua');
const ascii = (s: string) => encodeString(s, 'ascii');

describe.skipIf(skip !== undefined)(`the Lua dissector${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = captureDir();
  afterAll(() => dir.remove());
  const client = endpoint('127.0.0.1', 50000);
  const server = endpoint('127.0.0.1', 1060);
  const key = new Uint8Array(32).fill(7);

  async function captureOf(datagrams: readonly [from: typeof client, to: typeof client, data: Uint8Array][]) {
    const chunks: Uint8Array[] = [];
    const capture = new PacketCapture({ write: (c) => chunks.push(c), decisions: false });
    for (const [a, b, data] of datagrams) capture.datagram(a, b, data);
    capture.close();
    const file = dir.path(`d${Math.random().toString(36).slice(2)}.pcapng`);
    writeCapture(file, chunks);
    return file;
  }

  it('names the request/response header: kind, attempt, the 64-bit id and the payload', async () => {
    const id = 0x0123456789abcdefn;
    const file = await captureOf([
      [client, server, encodePortaMessage({ kind: 'request', id, attempt: 1, payload: ascii('hello') })],
      [client, server, encodePortaMessage({ kind: 'request', id, attempt: 2, payload: ascii('hello') })],
      [server, client, encodePortaMessage({ kind: 'reply', id, attempt: 2, payload: ascii('5 bytes') })],
      [client, server, ascii('not porta at all')],
    ]);
    const rows = tsharkFields(
      file,
      ['_ws.col.Protocol', 'porta.kind', 'porta.attempt', 'porta.id', 'porta.text'],
      undefined,
      ['-X', `lua_script:${script}`],
    );
    expect(rows).toEqual([
      ['porta', '0', '1', '0x0123456789abcdef', 'hello'],
      ['porta', '0', '2', '0x0123456789abcdef', 'hello'],
      ['porta', '1', '2', '0x0123456789abcdef', '5 bytes'],
      ['UDP', '', '', '', ''],
    ]);
    const filtered = tsharkFields(file, ['frame.number'], 'porta.kind == 1 && porta.attempt > 1', [
      '-X',
      `lua_script:${script}`,
    ]);
    expect(filtered).toEqual([['3']]);
  });

  it('names the signed header (mode, sender, counter, tag) and the porta message inside an HMAC one', async () => {
    const inner = encodePortaMessage({ kind: 'request', id: 42n, attempt: 3, payload: ascii('hi') });
    const hmac = await lastValueFrom(
      from([inner, ascii('second')]).pipe(sign(key, { senderId: 0xfeedn, firstCounter: 7n }), toArray()),
    );
    const [gcm] = await lastValueFrom(
      from([ascii('secret')]).pipe(sign(key, { mode: 'aes-256-gcm', senderId: 1n }), toArray()),
    );
    // The same bytes verify: the dissector reads what porta writes.
    expect(await lastValueFrom(from(hmac).pipe(verify(key), toArray()))).toHaveLength(2);
    const file = await captureOf([
      [client, server, hmac[0]!],
      [client, server, hmac[1]!],
      [client, server, gcm!],
    ]);
    const rows = tsharkFields(
      file,
      ['porta_auth.mode', 'porta_auth.sender', 'porta_auth.counter', 'porta.attempt', 'porta.id'],
      undefined,
      ['-X', `lua_script:${script}`],
    );
    expect(rows).toEqual([
      ['1', '0x000000000000feed', '7', '3', '0x000000000000002a'],
      ['1', '0x000000000000feed', '8', '', ''],
      ['2', '0x0000000000000001', '0', '', ''],
    ]);
  });
});
