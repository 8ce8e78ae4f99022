export * from './connectTcp.js';
export * from './frameTimeout.js';
export * from './listenTcp.js';
export type * from './proxyProtocolOptions.js';
export * from './TcpConnection.js';
export * from './TcpListener.js';
export * from './TcpPeerLink.js';
export * from './tcpTransport.js';
export * from './toDuplex.js';
