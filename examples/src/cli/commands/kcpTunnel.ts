import { KCP_CRYPTS, KCP_MODES, type KcpCryptName, type KcpMode } from '@porta/reliability';
import { map } from 'rxjs';
import { kcpTunnelClient } from '../../kcpTunnel/kcpTunnelClient.js';
import type { KcpTunnelEvent } from '../../kcpTunnel/kcpTunnelEvent.js';
import type { KcpTunnelOptions } from '../../kcpTunnel/kcpTunnelOptions.js';
import { kcpTunnelServer } from '../../kcpTunnel/kcpTunnelServer.js';
import { type Args, expectPositionals, failureContext, integer, roleOf, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { hostPort } from '../hostPort.js';
import { runCommand } from '../runCommand.js';

function tunnelOptions(args: Args): KcpTunnelOptions {
  const mode = (args.values.mode as string | undefined) ?? 'fast';
  if (!(mode in KCP_MODES))
    throw new UsageError(`--mode must be one of normal, fast, fast2, fast3; got "${mode}"`);
  const crypt = (args.values.crypt as string | undefined) ?? 'aes';
  if (!(KCP_CRYPTS as readonly string[]).includes(crypt)) {
    throw new UsageError(`--crypt ${crypt} is not implemented: porta has ${KCP_CRYPTS.join(', ')}`);
  }
  const ds = integer(args, 'ds') ?? 10;
  const ps = integer(args, 'ps') ?? 3;
  if (!(ds >= 0 && ps >= 0 && ds + ps <= 256)) {
    throw new UsageError(`--ds and --ps must be ≥ 0 with a sum ≤ 256, got ${ds} and ${ps}`);
  }
  const key = args.values.key as string | undefined;
  const smuxver = integer(args, 'smuxver') ?? 1;
  if (smuxver !== 1 && smuxver !== 2) throw new UsageError(`--smuxver must be 1 or 2, got ${smuxver}`);
  const mtu = integer(args, 'mtu');
  const sndwnd = integer(args, 'sndwnd');
  const rcvwnd = integer(args, 'rcvwnd');
  if (mtu !== undefined && !(mtu >= 70 && mtu <= 1500))
    throw new UsageError(`--mtu must be from 70 to 1500, got ${mtu}`);
  for (const [name, value] of [
    ['sndwnd', sndwnd],
    ['rcvwnd', rcvwnd],
  ] as const) {
    if (value !== undefined && !(value >= 1 && value <= 65535)) {
      throw new UsageError(`--${name} must be from 1 to 65535, got ${value}`);
    }
  }
  const rto = (args.values.rto as string | undefined) ?? 'kcp';
  if (rto !== 'kcp' && rto !== 'rfc6298') throw new UsageError(`--rto must be kcp or rfc6298, got "${rto}"`);
  return {
    rto,
    mode: mode as KcpMode,
    crypt: crypt as KcpCryptName,
    ...(key !== undefined ? { key } : {}),
    noComp: args.values.nocomp === true,
    dataShards: ds,
    parityShards: ps,
    smuxVersion: smuxver,
    ...(mtu !== undefined ? { mtu } : {}),
    ...(sndwnd !== undefined ? { sendWindow: sndwnd } : {}),
    ...(rcvwnd !== undefined ? { receiveWindow: rcvwnd } : {}),
  };
}

function describe(event: KcpTunnelEvent): string {
  switch (event.type) {
    case 'listening':
      return `listening on ${event.local.address}:${event.local.port}`;
    case 'session':
      return `KCP session ${event.conv} with ${event.remote.address}:${event.remote.port}`;
    case 'stream-opened':
      return `stream ${event.id} opened`;
    case 'stream-closed':
      return `stream ${event.id} closed${event.error ? `: ${event.error.message}` : ''}`;
    case 'session-closed':
      return `KCP session ${event.conv} closed${event.error ? `: ${event.error.message}` : ''}`;
  }
}

/** `porta kcp-tunnel`: kcptun's client and server, interoperable with either. */
export const kcpTunnel: Command = {
  name: 'kcp-tunnel',
  summary: {
    en: 'TCP through KCP over UDP, as kcptun (either end can be kcptun)',
    pt: 'TCP por KCP sobre UDP, como o kcptun (qualquer ponta pode ser o kcptun)',
  },
  usage: {
    en: `porta kcp-tunnel client -l ADDR:PORT -r ADDR:PORT [kcptun options]
       porta kcp-tunnel server -l ADDR:PORT -t ADDR:PORT [kcptun options]`,
    pt: `porta kcp-tunnel cliente -l END:PORTA -r END:PORTA [opcoes do kcptun]
       porta kcp-tunnel servidor -l END:PORTA -t END:PORTA [opcoes do kcptun]`,
  },
  details: {
    en: `The client accepts TCP connections on -l and carries each as an smux stream over one KCP
session to the server at -r (UDP). The server accepts KCP sessions on -l (UDP) and joins each
stream to a new TCP connection to -t. Options as kcptun names them:
  --mode normal|fast|fast2|fast3   KCP tuning (default fast)
  --smuxver 1|2                    smux version (default 1)
  --mtu N --sndwnd N --rcvwnd N    (defaults 1350, 128, 512)
  --crypt C                        kcp-go's packet cipher (default aes): aes, aes-128, aes-192,
                                   3des, sm4, tea, xtea, salsa20, xor, none
  --key K                          the passphrase both ends share (default kcptun's)
  --ds N --ps N                    Reed-Solomon FEC, N data + N parity packets (default 10 3; 0 off)
  --nocomp                         no snappy compression (default: compressed, as kcptun)
  --rto kcp|rfc6298                porta only: KCP's RTO (default) or RFC 6298's
Against kcptun, give both ends the same --mode and --smuxver.`,
    pt: `O cliente aceita conexoes TCP em -l e leva cada uma como um fluxo smux sobre uma sessao KCP
ate o servidor em -r (UDP). O servidor aceita sessoes KCP em -l (UDP) e liga cada fluxo a uma nova
conexao TCP para -t. Opcoes com os nomes do kcptun:
  --mode normal|fast|fast2|fast3   ajuste do KCP (padrao fast)
  --smuxver 1|2                    versao do smux (padrao 1)
  --mtu N --sndwnd N --rcvwnd N    (padroes 1350, 128, 512)
  --crypt C                        a cifra de pacotes do kcp-go (padrao aes): aes, aes-128,
                                   aes-192, 3des, sm4, tea, xtea, salsa20, xor, none
  --key K                          a senha que as duas pontas compartilham (padrao a do kcptun)
  --ds N --ps N                    FEC Reed-Solomon, N pacotes de dados + N de paridade (padrao 10 3)
  --nocomp                         sem compressao snappy (padrao: comprimido, como o kcptun)
  --rto kcp|rfc6298                so no porta: o RTO do KCP (padrao) ou o da RFC 6298
Contra o kcptun, de as duas pontas o mesmo --mode e --smuxver.`,
  },
  options: {
    listen: { type: 'string', short: 'l' },
    remoteaddr: { type: 'string', short: 'r' },
    target: { type: 'string', short: 't' },
    mode: { type: 'string' },
    smuxver: { type: 'string' },
    mtu: { type: 'string' },
    sndwnd: { type: 'string' },
    rcvwnd: { type: 'string' },
    crypt: { type: 'string' },
    key: { type: 'string' },
    rto: { type: 'string' },
    nocomp: { type: 'boolean' },
    ds: { type: 'string' },
    ps: { type: 'string' },
  },
  run: async (args, io) => {
    const role = roleOf(args);
    expectPositionals(args, 1);
    const options = tunnelOptions(args);
    const listen = hostPort(args, 'listen');
    const print = map((event: KcpTunnelEvent) => io.out(describe(event)));
    if (role === 'server') {
      const target = hostPort(args, 'target');
      return runCommand(
        kcpTunnelServer({ ...options, listen, target: { host: target.address, port: target.port } }).pipe(
          print,
        ),
        io,
        failureContext(args),
      );
    }
    return runCommand(
      kcpTunnelClient({
        ...options,
        listen: { host: listen.address, port: listen.port },
        remote: hostPort(args, 'remoteaddr'),
      }).pipe(print),
      io,
      failureContext(args),
    );
  },
};
