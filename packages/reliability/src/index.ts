export {
  AUTH_HEADER_LENGTH,
  type AuthMessage,
  type AuthMode,
  type AuthRejectReason,
  authOverhead,
} from './authWireFormat.js';
export * from './backoffPolicy.js';
export * from './impair.js';
export type { ImpairmentOptions } from './impairment.js';
export * from './impairmentProxy.js';
export * from './jitter.js';
export * from './kcp/kcpConnect.js';
export * from './kcp/kcpControl.js';
export * from './kcp/kcpControlOptions.js';
export * from './kcp/kcpListen.js';
export * from './kcp/kcpPacketLayer.js';
export * from './kcp/kcpProfile.js';
export * from './kcp/kcpRtoPolicy.js';
export * from './kcp/kcpSegment.js';
export { KcpSession } from './kcp/kcpSession.js';
export type { KcpSessionOptions, KcpSessionStats } from './kcp/kcpSessionOptions.js';
export * from './kcp/kcpTransport.js';
export * from './portaMessage.js';
export * from './random.js';
export * from './replayWindow.js';
export * from './requester.js';
export * from './retryBackoff.js';
export * from './rtoEstimator.js';
export * from './serveRequests.js';
export * from './sign.js';
export * from './simNetwork.js';
export * from './simNetworkScheduler.js';
export * from './simTransport.js';
export * from './smux/smuxFrame.js';
export * from './smux/smuxSession.js';
export { SmuxStream } from './smux/smuxStream.js';
export * from './verify.js';
