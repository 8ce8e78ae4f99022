// The soak's server process: porta servers with default options, reporting once a second to the
// parent (bench/soak/run.ts) its RSS, event-loop delay and every counter. Not a test: no asserts.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeLengthPrefixed, lengthField, type Peer, type ServerHandle, serve } from '@porta/core';
import { frameTimeout, tcpTransport } from '@porta/tcp';
import { udpTransport } from '@porta/udp';
import { EMPTY, interval, map, mergeMap, NEVER, of } from 'rxjs';

const decoder = new TextDecoder();
const FEED_CHUNK = new Uint8Array(64 * 1024);

/**
 * UDP: echoes, except datagrams starting with "junk" (the flood), which get no answer, and "stal",
 * whose handling never finishes — the stalled behaviour whose mailbox fills (the memory ceiling case).
 */
const udpEcho = (peer: Peer) =>
  peer.handle((m) => {
    const tag = decoder.decode(m.subarray(0, 4));
    return tag === 'junk' ? EMPTY : tag === 'stal' ? NEVER : of(m);
  });

/**
 * TCP: length-prefixed frames with a 2 s frame-assembly timeout; each frame is echoed, except
 * "subscribe", which starts a 64 KiB-per-millisecond feed (to a peer that may never read).
 */
const tcpEcho = (peer: Peer) =>
  peer.messages.pipe(
    frameTimeout(lengthField(), { timeoutMs: 2_000 }),
    mergeMap((frame) =>
      decoder.decode(frame) === 'subscribe'
        ? interval(1).pipe(map(() => FEED_CHUNK))
        : of(encodeLengthPrefixed(frame)),
    ),
  );

const udp = udpTransport({ port: 0 });
const handles: Record<string, ServerHandle> = {};
const ports: Record<string, number> = {};
const failures: Record<string, number> = {};
const count = (key: string) => {
  failures[key] = (failures[key] ?? 0) + 1;
};
for (const [name, transport, behaviour] of [
  ['udp', udp, udpEcho],
  ['tcp', tcpTransport({ port: 0 }), tcpEcho],
] as const) {
  serve(transport, behaviour).subscribe((e) => {
    if (e.type === 'listening') {
      handles[name] = e.server;
      ports[name] = e.local.port;
      if (Object.keys(ports).length === 2) process.send?.({ type: 'ready', ports });
    } else if (e.type === 'failed') count(`${name} failed ${(e.error as { code?: string }).code ?? 'other'}`);
    else if (e.type === 'closed') count(`${name} closed ${e.reason}`);
  });
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
setInterval(() => {
  process.send?.({
    type: 'sample',
    rss: process.memoryUsage().rss,
    heapUsed: process.memoryUsage().heapUsed,
    p99Ms: delay.percentile(99) / 1e6,
    maxMs: delay.max / 1e6,
    udp: handles.udp?.stats(),
    udpTransport: udp.stats,
    tcp: handles.tcp?.stats(),
    events: failures,
  });
  delay.reset();
}, 1_000).unref();
process.on('disconnect', () => process.exit(0));
