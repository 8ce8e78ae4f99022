export * from './bindUdp.js';
export * from './connectUdp.js';
export * from './dispatchUdp.js';
export * from './udpSocketOptions.js';
export * from './udpStats.js';
export * from './udpTransport.js';
