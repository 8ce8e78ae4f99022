import { type DatagramSocket, isPortaError, sameEndpoint } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { bindUdp, connectUdp, type UdpSocket } from '@porta/udp';
import { mergeMap, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ascii, errorOf, first, opener, until } from './helpers.js';

trackHandles();
const open = opener();
const echoes: Subscription[] = [];
afterEach(() => {
  for (const s of echoes.splice(0)) s.unsubscribe();
});

function echo(server: UdpSocket): void {
  echoes.push(server.datagrams.pipe(mergeMap((d) => server.send(d.data, d.remote))).subscribe());
}

/** Code written against the core contract only: one exchange with whoever `to` is. */
function exchange(socket: DatagramSocket, data: Uint8Array, to: DatagramSocket['local']) {
  const reply = first(socket.datagrams);
  return first(socket.send(data, to)).then(() => reply);
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('connectUdp’s socket as a DatagramSocket', () => {
  it('is accepted where a DatagramSocket is: datagrams carry the replies with the remote as sender', async () => {
    const { value: server } = await open(bindUdp());
    echo(server);
    const { value: client } = await open(connectUdp(server.local));
    const generic: DatagramSocket = client;
    expect(generic.remote).toBe(client.remote);
    const reply = await exchange(generic, ascii('via the contract'), server.local);
    expect(text(reply.data)).toBe('via the contract');
    expect(reply.remote).toBe(client.remote);
    expect(sameEndpoint(reply.remote, server.local)).toBe(true);
  });

  it('a bound socket has no remote', async () => {
    const { value: server } = await open(bindUdp());
    const generic: DatagramSocket = server;
    expect(generic.remote).toBeUndefined();
  });

  it('accepts the remote in another spelling or as a bare { address, port }', async () => {
    const { value: server } = await open(bindUdp({ address: '::1' }));
    echo(server);
    const { value: client } = await open(connectUdp(server.local));
    const spelled = { address: '0:0:0:0:0:0:0:1', port: server.local.port };
    const reply = first(client.messages);
    await first(client.send(ascii('long form'), spelled));
    expect(text(await reply)).toBe('long form');
  });

  it('refuses a send to any other endpoint with INVALID_ARGUMENT, and nothing reaches it', async () => {
    const { value: server } = await open(bindUdp());
    const { value: other } = await open(bindUdp());
    const { value: client } = await open(connectUdp(server.local));
    const atOther: string[] = [];
    const atServer: string[] = [];
    echoes.push(other.datagrams.subscribe((d) => atOther.push(text(d.data))));
    echoes.push(server.datagrams.subscribe((d) => atServer.push(text(d.data))));

    const err = await errorOf(client.send(ascii('astray'), other.local));
    expect(isPortaError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${server.local.port}`);
    expect((err as Error).message).toContain(`127.0.0.1:${other.local.port}`);
    const samePortOtherAddress = { address: '127.0.0.2', port: server.local.port };
    expect(isPortaError(await errorOf(client.send(ascii('astray'), samePortOtherAddress)))).toBe(true);
    expect(isPortaError(await errorOf(client.send(ascii('astray'), { address: 'nowhere', port: 1 })))).toBe(
      true,
    );

    // A datagram sent after the refused ones arrives; had one of those gone out, it would be here too.
    await first(client.send(ascii('on course')));
    await first(client.send(ascii('to the remote'), server.local));
    await until(() => atServer.length >= 2);
    expect(atServer).toEqual(['on course', 'to the remote']);
    expect(atOther).toEqual([]);
    expect(client.stats.sent).toBe(2);
  });
});
