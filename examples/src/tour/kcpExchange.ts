import { type DatagramSocket, encodeString, endpoint, recvall } from '@porta/core';
import {
  decodeKcpSegments,
  KcpCommand,
  kcpConnect,
  kcpGoPacketLayer,
  kcpListen,
  SimNetwork,
  type SimSocket,
  SmuxCommand,
  SmuxSession,
  seededRandom,
} from '@porta/reliability';
import { of, Subscription } from 'rxjs';
import { CLIENT_MESSAGE, SERVER_MESSAGE } from '../tcp16.js';
import type { AttemptSpan } from './timeline.js';

/** Options of {@link kcpExchange16}. */
export interface KcpExchangeOptions {
  /** Seed of the losses: the same seed gives the same run (default 2). */
  readonly seed?: number;
  /** Probability that any datagram, either way, is lost (default 0.3). */
  readonly lossRate?: number;
  /** One-way delay in ms (default 20). */
  readonly delayMs?: number;
}

/** What {@link kcpExchange16} saw. */
export interface KcpExchangeResult {
  /** The 16 octets the server read. */
  readonly request: string;
  /** The 16 octets the client read back. */
  readonly reply: string;
  /** Datagrams sent, either way, and lost. */
  readonly datagrams: number;
  readonly lost: number;
  /** First transmissions of data segments, and retransmissions. */
  readonly segments: number;
  readonly retransmissions: number;
  /** Every transmission of a data segment, as timeline rows (times from the first send). */
  readonly spans: readonly AttemptSpan[];
  readonly virtualMs: number;
}

interface Sent {
  readonly side: 'client' | 'server';
  readonly at: number;
  readonly lost: boolean;
  readonly pushes: readonly { sn: number; label: string }[];
  readonly acks: readonly number[];
  readonly una: number;
}

const SERVER_PORT = 29900;
const layer = kcpGoPacketLayer();

/** Names the smux frames a segment carries (each segment starts at a frame here: the exchange is tiny). */
function frameLabel(data: Uint8Array): string {
  const names: string[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    const cmd = data[at + 1] as number;
    const len = (data[at + 2] as number) | ((data[at + 3] as number) << 8);
    names.push(cmd === SmuxCommand.PSH ? `PSH ${len}` : (Object.keys(SmuxCommand)[cmd] ?? `cmd ${cmd}`));
    at += 8 + len;
  }
  return names.join('+');
}

/**
 * The course's 16-octet exchange (tcp_exemplo.py's messages, read with `recvall(16)` each way)
 * as a stream of smux over KCP, through a network that loses `lossRate` of the datagrams each way,
 * in virtual time on a {@link SimNetwork}: deterministic from its seed, and every transmission of
 * every data segment recorded for the timeline.
 *
 * @example
 * ```ts
 * const run = kcpExchange16({ seed: 2, lossRate: 0.3 });
 * console.log(run.reply, run.retransmissions);
 * ```
 */
export function kcpExchange16(options: KcpExchangeOptions = {}): KcpExchangeResult {
  const lossRate = options.lossRate ?? 0.3;
  const delayMs = options.delayMs ?? 20;
  const random = seededRandom(options.seed ?? 2);
  const net = new SimNetwork({ seed: options.seed ?? 2, defaultLink: { delayMs } });
  const sent: Sent[] = [];
  const lossy = (socket: SimSocket, side: Sent['side']): DatagramSocket => ({
    local: socket.local,
    datagrams: socket.datagrams,
    send: (data, to) => {
      const lost = random() < lossRate;
      const segments = decodeKcpSegments(layer.open(data));
      sent.push({
        side,
        at: net.now(),
        lost,
        pushes: segments
          .filter((s) => s.cmd === KcpCommand.PUSH)
          .map((s) => ({ sn: s.sn, label: frameLabel(s.data) })),
        acks: segments.filter((s) => s.cmd === KcpCommand.ACK).map((s) => s.sn),
        una: segments[0]?.una ?? 0,
      });
      return lost ? of(undefined) : socket.send(data, to);
    },
  });

  let request = '';
  let reply = '';
  const kcp = { scheduler: net.scheduler, mode: 'fast' as const };
  const smux = { scheduler: net.scheduler, keepAliveDisabled: true };
  const running = new Subscription();
  running.add(
    net.bind({ port: SERVER_PORT }).subscribe((socket) => {
      running.add(
        kcpListen(lossy(socket, 'server'), kcp).subscribe((session) => {
          const mux = new SmuxSession(session, { ...smux, client: false });
          mux.streams.subscribe((stream) =>
            stream.bytes.pipe(recvall(16)).subscribe((bytes) => {
              request = new TextDecoder().decode(bytes);
              stream.send(encodeString(SERVER_MESSAGE, 'ascii')).subscribe(() => stream.close());
            }),
          );
        }),
      );
    }),
  );
  let mux: SmuxSession | undefined;
  running.add(
    net.bind().subscribe((socket) => {
      running.add(
        kcpConnect(lossy(socket, 'client'), endpoint('127.0.0.1', SERVER_PORT), {
          ...kcp,
          conv: 16,
        }).subscribe((session) => {
          mux = new SmuxSession(session, { ...smux, client: true });
          const stream = mux.open();
          stream.send(encodeString(CLIENT_MESSAGE, 'ascii')).subscribe();
          stream.bytes.pipe(recvall(16)).subscribe((bytes) => {
            reply = new TextDecoder().decode(bytes);
          });
        }),
      );
    }),
  );
  const started = net.now();
  // Until the reply is in and the last data segment is acknowledged, or a minute at most.
  for (let t = 0; t < 60_000 && !(reply && isQuiet(sent, net.now(), delayMs)); t += 10) net.advanceBy(10);
  const virtualMs = net.now() - started;
  mux?.close();
  running.unsubscribe();

  const spans = timelineOf(sent, delayMs, started);
  return {
    request,
    reply,
    datagrams: sent.length,
    lost: sent.filter((s) => s.lost).length,
    segments: spans.filter((s) => s.attempt === 1).length,
    retransmissions: spans.filter((s) => s.attempt > 1).length,
    spans,
    virtualMs,
  };
}

/** True when every data segment has been acknowledged on the wire and the acknowledgement arrived. */
function isQuiet(sent: readonly Sent[], now: number, delayMs: number): boolean {
  for (const side of ['client', 'server'] as const) {
    const sns = new Set(sent.filter((s) => s.side === side).flatMap((s) => s.pushes.map((p) => p.sn)));
    for (const sn of sns) if (ackArrival(sent, side, sn, 0, delayMs) === undefined) return false;
  }
  return sent.every((s) => now - s.at > delayMs);
}

/** When an ACK for `sn` (or an una above it) sent by the other side after `after` reached `side`. */
function ackArrival(sent: readonly Sent[], side: Sent['side'], sn: number, after: number, delayMs: number) {
  const reply = sent.find(
    (s) => s.side !== side && !s.lost && s.at >= after && (s.acks.includes(sn) || s.una > sn),
  );
  return reply === undefined ? undefined : reply.at + delayMs;
}

function timelineOf(sent: readonly Sent[], delayMs: number, started: number): AttemptSpan[] {
  const rows: AttemptSpan[] = [];
  for (const side of ['client', 'server'] as const) {
    const arrow = side === 'client' ? 'c→s' : 's→c';
    const bySn = new Map<number, { at: number; lost: boolean; label: string }[]>();
    for (const s of sent.filter((x) => x.side === side)) {
      for (const p of s.pushes)
        bySn.set(p.sn, [...(bySn.get(p.sn) ?? []), { at: s.at, lost: s.lost, label: p.label }]);
    }
    for (const [sn, sends] of [...bySn].sort(
      (a, b) => (a[1][0]?.at ?? 0) - (b[1][0]?.at ?? 0) || a[0] - b[0],
    )) {
      for (const [i, send] of sends.entries()) {
        const next = sends[i + 1];
        const acked = next ? undefined : ackArrival(sent, side, sn, send.at, delayMs);
        const end = next?.at ?? acked ?? send.at;
        rows.push({
          attempt: i + 1,
          label: `${arrow} sn ${sn} ${send.label} #${i + 1}`,
          sentAt: send.at - started,
          waitMs: end - send.at,
          ...(send.lost ? { droppedAt: send.at - started + delayMs / 2 } : {}),
          ...(acked !== undefined ? { answeredAt: acked - started } : {}),
        });
      }
    }
  }
  return rows.sort((a, b) => a.sentAt - b.sentAt);
}
