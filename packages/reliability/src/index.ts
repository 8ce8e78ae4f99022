export type { ImpairmentOptions } from './impairment.js';
export * from './random.js';
export * from './simNetwork.js';
export * from './simNetworkScheduler.js';
export * from './simTransport.js';
