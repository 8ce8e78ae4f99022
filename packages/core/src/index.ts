/**
 * `@porta/core`: bytes, codecs and framing operators, the origin filter, typed errors, the actor
 * runtime, captures, diagnostics and metrics. The API site shows this entry's names at the package's
 * own level (`@porta/core!Name` links them), beside the `transport` module of `@porta/core/transport`
 * (the plugin contract, for transport authors) and the `testing` module of `@porta/core/testing`.
 *
 * @module
 * @mergeModuleWith <project>
 */
export { AbortError, abortable } from './abort.js';
export * from './actor/mailbox.js';
export type * from './actor/peer.js';
export * from './actor/serve.js';
export type * from './actor/serverEvent.js';
export * from './actor/startServer.js';
export type { SupervisionOptions, SupervisionStrategy } from './actor/supervision.js';
export * from './addressMatcher.js';
export * from './bytes/chunkQueue.js';
export * from './capture/captureFile.js';
export * from './capture/packetCapture.js';
export * from './capture/pcapng.js';
export * from './capture/tcpFlowCapture.js';
export * from './datagramLimits.js';
export type * from './datagramSocket.js';
export * from './diagnostics/portaChannels.js';
export * from './endpoint.js';
export { DnsLookupError } from './errors/dnsLookupError.js';
export * from './errors.js';
export * from './filterOrigin.js';
export * from './framing/decoder.js';
export * from './framing/decodeWith.js';
export * from './framing/delimited.js';
export * from './framing/encodeLines.js';
export type * from './framing/encoder.js';
export * from './framing/encodeWith.js';
export * from './framing/fixedLength.js';
export * from './framing/frameTimeout.js';
export * from './framing/lengthField.js';
export type * from './framing/lengthFieldFormat.js';
export * from './framing/lines.js';
export * from './framing/linesDecoder.js';
export * from './framing/prependLength.js';
export * from './framing/recvall.js';
export * from './framing/textLinesDecoder.js';
export type * from './metrics/meterLike.js';
export * from './metrics/portaMetrics.js';
export * from './openHandle.js';
export * from './proxyProtocol/encodeProxyHeader.js';
export * from './proxyProtocol/proxyHeader.js';
export * from './proxyProtocol/proxyHeaderDecoder.js';
export * from './remote.js';
export * from './text/decodeText.js';
export * from './text/encodeText.js';
export * from './toAsyncIterable.js';
export {
  type ForwardedServerEvent,
  type ForwardServerEventsOptions,
  forwardServerEvents,
  type ServerEventMessage,
} from './workers/forwardServerEvents.js';
export { reportStats, type StatsMessage, type WorkerStats } from './workers/reportStats.js';
export * from './workers/reusePortSupported.js';
export * from './workers/superviseWorkers.js';
