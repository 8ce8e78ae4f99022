export * from './connectTcp.js';
export * from './frameTimeout.js';
export * from './listenTcp.js';
export type * from './proxyProtocolOptions.js';
export * from './tcpConnection.js';
export * from './tcpListener.js';
export * from './tcpPeerLink.js';
export * from './tcpTransport.js';
export * from './toDuplex.js';
