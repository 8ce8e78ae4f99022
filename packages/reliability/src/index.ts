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
export * from './verify.js';
