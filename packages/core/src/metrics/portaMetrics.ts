import type diagnosticsChannel from 'node:diagnostics_channel';
import type { ServerHandle } from '../actor/serverEvent.js';
import {
  type AuthRejectMessage,
  type ImpairDropMessage,
  type OriginDropMessage,
  portaChannels,
  type RequestRejectMessage,
  type RequestReplyMessage,
  type RequestSendMessage,
  type ServeEventMessage,
  type TcpCloseMessage,
  type UdpCloseMessage,
} from '../diagnostics/portaChannels.js';
import type { MeterLike, MetricAttributes, ObservableResultLike } from './meterLike.js';

/**
 * A running {@link portaMetrics}: `stop()` unsubscribes from porta's channels and removes the
 * observable callbacks. Idempotent.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * const instruments = portaMetrics(metrics.getMeter('porta'));
 * process.once('SIGTERM', () => instruments.stop());
 * ```
 */
export interface PortaMetrics {
  stop(): void;
}

/** `network.transport` and where the server listens, on every server instrument. */
interface ServerEntry {
  readonly handle: ServerHandle;
  readonly attributes: MetricAttributes;
}

const receive = { 'network.io.direction': 'receive' } as const;
const transmit = { 'network.io.direction': 'transmit' } as const;

/**
 * Records porta's numbers as OpenTelemetry metrics on `meter` (from `@opentelemetry/api`, an
 * optional peer: `metrics.getMeter('porta')`, a no-op until an SDK registers a `MeterProvider`).
 * It listens on porta's diagnostics channels, so nothing is measured, and nothing costs, until it is
 * called. Instruments (OpenTelemetry attribute names):
 *
 * - servers (`serve`, read live from each server's own totals at every collection; attributes
 *   `network.transport` = `udp`/`tcp`/`kcp`/…, `server.address`, `server.port`):
 *   `porta.server.active_peers`, `porta.server.peers_opened`, `porta.server.messages` and
 *   `porta.server.bytes` (`network.io.direction` = `receive`/`transmit`), `porta.server.dropped`
 *   (`error.type` = `mailbox_overflow`, `rejected`, `undelivered`, `unsent`), `porta.server.failures`;
 * - requests (`requester`; `network.transport`, `server.address`, `server.port` of the destination):
 *   `porta.request.attempts`, `porta.request.retries`, `porta.request.duration` (s, first send to
 *   accepted reply), `porta.request.rto` (s, the peer's RTO after each sample), and
 *   `porta.request.rejected` (`error.type` = `wrongOrigin`, `wrongId`, `duplicate`, … — no peer
 *   address, so a spoofing flood cannot blow up the series);
 * - `porta.datagrams.dropped` (`error.type` = `wrong_origin` from `filterOrigin`, `impairment`,
 *   `forged`/`replay`/`truncated`/`format` from `verify`);
 * - sockets: `porta.udp.sockets`, `porta.tcp.connections` (open now), `porta.udp.bytes` and
 *   `porta.tcp.bytes` (`network.io.direction`, added when the socket closes).
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * portaMetrics(metrics.getMeter('porta'));
 * ```
 */
export function portaMetrics(meter: MeterLike): PortaMetrics {
  const servers: ServerEntry[] = [];
  const stops: (() => void)[] = [];
  const on = <M>(channel: diagnosticsChannel.Channel, handle: (message: M) => void) => {
    const listener = (message: unknown) => handle(message as M);
    channel.subscribe(listener);
    stops.push(() => channel.unsubscribe(listener));
  };
  const observe = (
    name: string,
    kind: 'counter' | 'upDown',
    options: { description: string; unit: string },
    read: (result: ObservableResultLike, entry: ServerEntry) => void,
  ) => {
    const instrument =
      kind === 'counter'
        ? meter.createObservableCounter(name, options)
        : meter.createObservableUpDownCounter(name, options);
    const callback = (result: ObservableResultLike) => {
      for (const entry of servers) read(result, entry);
    };
    instrument.addCallback(callback);
    stops.push(() => instrument.removeCallback(callback));
  };

  observe(
    'porta.server.active_peers',
    'upDown',
    { description: 'Actors alive now', unit: '{peer}' },
    (r, e) => r.observe(e.handle.stats().active, e.attributes),
  );
  observe('porta.server.peers_opened', 'counter', { description: 'Actors started', unit: '{peer}' }, (r, e) =>
    r.observe(e.handle.stats().opened, e.attributes),
  );
  observe(
    'porta.server.messages',
    'counter',
    { description: 'Messages in and out', unit: '{message}' },
    (r, e) => {
      const s = e.handle.stats();
      r.observe(s.messagesIn, { ...e.attributes, ...receive });
      r.observe(s.messagesOut, { ...e.attributes, ...transmit });
    },
  );
  observe(
    'porta.server.bytes',
    'counter',
    { description: 'Payload bytes in and out', unit: 'By' },
    (r, e) => {
      const s = e.handle.stats();
      r.observe(s.bytesIn, { ...e.attributes, ...receive });
      r.observe(s.bytesOut, { ...e.attributes, ...transmit });
    },
  );
  observe(
    'porta.server.dropped',
    'counter',
    { description: 'Messages lost, by reason', unit: '{message}' },
    (r, e) => {
      const s = e.handle.stats();
      r.observe(s.dropped, { ...e.attributes, 'error.type': 'mailbox_overflow' });
      r.observe(s.rejected, { ...e.attributes, 'error.type': 'rejected' });
      r.observe(s.undelivered, { ...e.attributes, 'error.type': 'undelivered' });
      r.observe(s.unsent, { ...e.attributes, 'error.type': 'unsent' });
    },
  );
  observe(
    'porta.server.failures',
    'counter',
    { description: 'Behaviour failures', unit: '{failure}' },
    (r, e) => r.observe(e.handle.stats().failed, e.attributes),
  );
  on<ServeEventMessage>(portaChannels.serveEvent, ({ transport, event }) => {
    if (event.type !== 'listening') return;
    servers.push({
      handle: event.server,
      attributes: {
        'network.transport': transport,
        'server.address': event.local.address,
        'server.port': event.local.port,
      },
    });
  });

  const attempts = meter.createCounter('porta.request.attempts', {
    description: 'Request datagrams sent, retransmissions included',
    unit: '{request}',
  });
  const retries = meter.createCounter('porta.request.retries', {
    description: 'Retransmissions',
    unit: '{request}',
  });
  const duration = meter.createHistogram('porta.request.duration', {
    description: 'From the first send to the accepted reply',
    unit: 's',
  });
  const rto = meter.createHistogram('porta.request.rto', {
    description: "The peer's retransmission timeout after each RTT sample",
    unit: 's',
  });
  const rejected = meter.createCounter('porta.request.rejected', {
    description: 'Inbound datagrams a requester refused, by reason',
    unit: '{datagram}',
  });
  const requestAttributes = (m: {
    readonly remote: { address: string; port: number };
  }): MetricAttributes => ({
    'network.transport': 'udp',
    'server.address': m.remote.address,
    'server.port': m.remote.port,
  });
  on<RequestSendMessage>(portaChannels.requestSend, (m) => {
    const attributes = requestAttributes(m);
    attempts.add(1, attributes);
    if (m.attempt > 1) retries.add(1, attributes);
  });
  on<RequestReplyMessage>(portaChannels.requestReply, (m) => {
    const attributes = requestAttributes(m);
    duration.record(m.durationMs / 1000, attributes);
    if (m.rtoMs !== undefined) rto.record(m.rtoMs / 1000, attributes);
  });
  on<RequestRejectMessage>(portaChannels.requestReject, (m) =>
    rejected.add(1, { 'network.transport': 'udp', 'error.type': m.reason }),
  );

  const dropped = meter.createCounter('porta.datagrams.dropped', {
    description: 'Datagrams dropped by filterOrigin, impair or verify, by reason',
    unit: '{datagram}',
  });
  on<OriginDropMessage>(portaChannels.originDrop, () => dropped.add(1, { 'error.type': 'wrong_origin' }));
  on<ImpairDropMessage>(portaChannels.impairDrop, () => dropped.add(1, { 'error.type': 'impairment' }));
  on<AuthRejectMessage>(portaChannels.authReject, (m) => dropped.add(1, { 'error.type': m.reason }));

  const udpSockets = meter.createUpDownCounter('porta.udp.sockets', {
    description: 'UDP sockets open',
    unit: '{socket}',
  });
  const udpBytes = meter.createCounter('porta.udp.bytes', {
    description: 'UDP payload bytes of closed sockets',
    unit: 'By',
  });
  const udp = { 'network.transport': 'udp' } as const;
  on(portaChannels.udpBind, () => udpSockets.add(1, udp));
  on<UdpCloseMessage>(portaChannels.udpClose, ({ stats }) => {
    udpSockets.add(-1, udp);
    udpBytes.add(stats.bytesReceived ?? 0, { ...udp, ...receive });
    udpBytes.add(stats.bytesSent ?? 0, { ...udp, ...transmit });
  });
  const tcpConnections = meter.createUpDownCounter('porta.tcp.connections', {
    description: 'TCP connections open',
    unit: '{connection}',
  });
  const tcpBytes = meter.createCounter('porta.tcp.bytes', {
    description: 'TCP bytes of closed connections',
    unit: 'By',
  });
  const tcp = { 'network.transport': 'tcp' } as const;
  on(portaChannels.tcpConnect, () => tcpConnections.add(1, tcp));
  on(portaChannels.tcpAccept, () => tcpConnections.add(1, tcp));
  on<TcpCloseMessage>(portaChannels.tcpClose, (m) => {
    tcpConnections.add(-1, tcp);
    tcpBytes.add(m.bytesRead, { ...tcp, ...receive });
    tcpBytes.add(m.bytesWritten, { ...tcp, ...transmit });
  });

  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      for (const stop of stops.splice(0)) stop();
      servers.length = 0;
    },
  };
}
