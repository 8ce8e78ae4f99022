export type * from './datagramSocket.js';
export * from './endpoint.js';
export * from './errors.js';
export type * from './plugin.js';
