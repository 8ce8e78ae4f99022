import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { encodeString, portaMetrics, type ServerHandle, serve } from '@porta/core';
import { trackHandles } from '@porta/core/testing';
import { decodePortaMessage, replyTo, requester } from '@porta/reliability';
import { connectTcp, listenTcp } from '@porta/tcp';
import { bindUdp, connectUdp, udpTransport } from '@porta/udp';
import {
  firstValueFrom,
  ignoreElements,
  lastValueFrom,
  merge,
  mergeMap,
  switchMap,
  take,
  timeout,
} from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

trackHandles();
const ascii = (s: string) => encodeString(s, 'ascii');

/** A reader that collects on demand: the in-memory end of the SDK's pipeline. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
const provider = new MeterProvider({ readers: [reader] });
let instruments: ReturnType<typeof portaMetrics>;
beforeAll(() => {
  metrics.setGlobalMeterProvider(provider);
  instruments = portaMetrics(metrics.getMeter('porta'));
});
afterAll(async () => {
  instruments.stop();
  metrics.disable();
  await provider.shutdown();
});

async function collect(): Promise<MetricData[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

/** The value of `name`'s data point whose attributes include `where` (a sum, or a histogram's count). */
function value(
  data: MetricData[],
  name: string,
  where: Record<string, string | number> = {},
): number | undefined {
  const metric = data.find((m) => m.descriptor.name === name);
  if (metric === undefined) return undefined;
  const matching = metric.dataPoints.filter((p) =>
    Object.entries(where).every(([k, v]) => (p.attributes as Record<string, unknown>)[k] === v),
  );
  if (matching.length === 0) return undefined;
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    return matching.reduce((n, p) => n + (p.value as { count: number }).count, 0);
  }
  return matching.reduce((n, p) => n + (p.value as number), 0);
}

describe('OpenTelemetry metrics, checked against porta’s own counters', () => {
  it('a UDP server: active peers, messages and bytes each way, as its ServerHandle counts them', async () => {
    let handle: ServerHandle | undefined;
    let local: { address: string; port: number } | undefined;
    const running = serve(udpTransport(), (peer) => peer.messages).subscribe((e) => {
      if (e.type === 'listening') {
        handle = e.server;
        local = e.local;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const text of ['one', 'three', 'fifteen']) {
      await firstValueFrom(
        connectUdp(local!).pipe(
          switchMap((c) => merge(c.messages, c.send(ascii(text)).pipe(ignoreElements()))),
          timeout(5_000),
        ),
      );
    }
    const stats = handle!.stats();
    const data = await collect();
    const at = { 'network.transport': 'udp', 'server.port': local!.port };
    expect(stats.messagesIn).toBe(3);
    expect(value(data, 'porta.server.messages', { ...at, 'network.io.direction': 'receive' })).toBe(
      stats.messagesIn,
    );
    expect(value(data, 'porta.server.messages', { ...at, 'network.io.direction': 'transmit' })).toBe(
      stats.messagesOut,
    );
    expect(value(data, 'porta.server.bytes', { ...at, 'network.io.direction': 'receive' })).toBe(
      stats.bytesIn,
    );
    expect(value(data, 'porta.server.bytes', { ...at, 'network.io.direction': 'transmit' })).toBe(
      stats.bytesOut,
    );
    expect(stats.bytesIn).toBe(3 + 5 + 7);
    expect(value(data, 'porta.server.active_peers', at)).toBe(stats.active);
    expect(value(data, 'porta.server.peers_opened', at)).toBe(3);
    expect(value(data, 'porta.server.dropped', { ...at, 'error.type': 'mailbox_overflow' })).toBe(
      stats.dropped,
    );
    running.unsubscribe();
  });

  it('a requester: attempts, retries, rejections by reason, duration and RTO, as its stats count them', async () => {
    const socketAt = { 'network.transport': 'udp' };
    const before = await collect();
    const rejectedBefore = value(before, 'porta.request.rejected', { 'error.type': 'wrongOrigin' }) ?? 0;
    let requesterStats: ReturnType<typeof requester>['stats'] | undefined;
    let serverPort = 0;
    await lastValueFrom(
      bindUdp().pipe(
        switchMap((server) => {
          serverPort = server.local.port;
          return merge(
            // Ignores attempt 1 of each request (so the client retransmits) while a stranger spoofs.
            server.datagrams.pipe(
              mergeMap(({ data, remote }) => {
                const request = decodePortaMessage(data);
                if (request.attempt === 1) {
                  return bindUdp({ address: '127.0.0.4' }).pipe(
                    switchMap((stranger) => stranger.send(replyTo(request, ascii('FAKE')), remote)),
                    take(1),
                    ignoreElements(),
                  );
                }
                return server.send(replyTo(request, ascii('ok')), remote).pipe(ignoreElements());
              }),
            ),
            bindUdp().pipe(
              switchMap((socket) => {
                const client = requester(socket);
                return lastValueFrom(
                  merge(
                    client.request(ascii('a'), server.local),
                    client.request(ascii('b'), server.local),
                  ).pipe(take(2)),
                ).then(() => {
                  requesterStats = client.stats;
                });
              }),
            ),
          );
        }),
        take(1),
        timeout(5_000),
      ),
    );
    const stats = requesterStats!;
    const data = await collect();
    const to = { 'server.port': serverPort };
    expect(stats.retransmitted).toBe(2);
    expect(value(data, 'porta.request.attempts', to)).toBe(stats.sent);
    expect(value(data, 'porta.request.retries', to)).toBe(stats.retransmitted);
    expect(value(data, 'porta.request.duration', to)).toBe(stats.accepted);
    expect(value(data, 'porta.request.rto', to)).toBe(stats.rttSamples);
    expect(
      (value(data, 'porta.request.rejected', { 'error.type': 'wrongOrigin' }) ?? 0) - rejectedBefore,
    ).toBe(stats.wrongOrigin);
    const durations = data.find((m) => m.descriptor.name === 'porta.request.duration')!;
    expect(durations.descriptor.unit).toBe('s');
    const point = durations.dataPoints.find((p) => p.attributes['server.port'] === serverPort)!;
    expect((point.value as { min: number }).min).toBeGreaterThanOrEqual(0.1); // each waited out attempt 1
    expect(value(data, 'porta.udp.sockets', socketAt)).toBe(0); // every socket of the run closed
  });

  it('TCP: open connections come back to zero and the bytes match both ends', async () => {
    await lastValueFrom(
      listenTcp().pipe(
        switchMap((listener) =>
          merge(
            listener.connections.pipe(
              mergeMap((conn) =>
                conn.bytes.pipe(
                  take(1),
                  mergeMap((b) => conn.send(b)),
                  ignoreElements(),
                ),
              ),
            ),
            connectTcp({ host: '127.0.0.1', port: listener.local.port }).pipe(
              switchMap((conn) => conn.send(ascii('sixteen octets!!')).pipe(switchMap(() => conn.bytes))),
            ),
          ),
        ),
        take(1),
        timeout(5_000),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const data = await collect();
    expect(value(data, 'porta.tcp.connections', { 'network.transport': 'tcp' })).toBe(0);
    expect(value(data, 'porta.tcp.bytes', { 'network.io.direction': 'receive' })).toBe(32);
    expect(value(data, 'porta.tcp.bytes', { 'network.io.direction': 'transmit' })).toBe(32);
  });
});
