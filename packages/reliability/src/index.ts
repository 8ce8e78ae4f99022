export {
  AUTH_HEADER_LENGTH,
  type AuthMessage,
  type AuthMode,
  type AuthRejectReason,
  authOverhead,
} from './auth/authWireFormat.js';
export * from './auth/replayWindow.js';
export * from './auth/sign.js';
export * from './auth/verify.js';
export * from './impairment/impair.js';
export type { ImpairmentOptions } from './impairment/impairment.js';
export * from './impairment/impairmentProxy.js';
export * from './kcp/crypt/kcpCrypt.js';
export type { KcpFecOptions, KcpFecStats } from './kcp/fec/kcpFec.js';
export { ReedSolomon } from './kcp/fec/reedSolomon.js';
export * from './kcp/kcpConnect.js';
export * from './kcp/kcpControl.js';
export * from './kcp/kcpControlOptions.js';
export * from './kcp/kcpListen.js';
export * from './kcp/kcpPacketLayer.js';
export { type KcpPacketPipeline, kcpPacketPipeline } from './kcp/kcpPacketPipeline.js';
export * from './kcp/kcpProfile.js';
export * from './kcp/kcpRtoPolicy.js';
export * from './kcp/kcpSegment.js';
export { KcpSession } from './kcp/kcpSession.js';
export type { KcpSessionOptions, KcpSessionStats } from './kcp/kcpSessionOptions.js';
export * from './kcp/kcpTransport.js';
export * from './random.js';
export * from './request/portaMessage.js';
export * from './request/requester.js';
export * from './request/requesterEvent.js';
export * from './request/requesterOptions.js';
export * from './request/serveRequests.js';
export * from './retry/backoffPolicy.js';
export * from './retry/jitter.js';
export * from './retry/retryBackoff.js';
export * from './retry/rtoEstimator.js';
export * from './sim/runInVirtualTime.js';
export * from './sim/simNetwork.js';
export * from './sim/simNetworkOptions.js';
export * from './sim/simNetworkScheduler.js';
export type { SimSocket } from './sim/simSocket.js';
export * from './sim/simTransport.js';
export * from './smux/smuxFrame.js';
export * from './smux/smuxSession.js';
export { SmuxStream } from './smux/smuxStream.js';
export { encodeSnappyFrames, SnappyFrameDecoder } from './snappy/snappyFrames.js';
export { snappyLink } from './snappy/snappyLink.js';
