import type { Server } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { SchedulerLike } from 'rxjs';
import type { TcpConnectionOptions } from '../tcpConnection.js';

/** The `proxyProtocol` option, checked. */
export interface ProxyProtocolSetup {
  readonly isTrusted: (address: string) => boolean;
  readonly timeoutMs: number;
  readonly maxHeaderLength?: number;
}

/** What `listenTcp` gives the listener it builds. */
export interface TcpListenerSetup {
  readonly server: Server;
  readonly tls: boolean;
  readonly maxConnections: number;
  /** TLS: how long a handshake may take, from the TCP accept (already the shorter of it and the idle timeout). */
  readonly handshakeTimeoutMs: number;
  readonly connection: TcpConnectionOptions;
  readonly scheduler: SchedulerLike;
  /** Set when the listener accepts PROXY headers from trusted balancers. */
  readonly proxy?: ProxyProtocolSetup;
  /**
   * PROXY with TLS: `server` is then plain TCP, and this TLS server — which never listens —
   * handshakes each raw socket once its PROXY header (sent in clear, before TLS) has been read.
   */
  readonly tlsServer?: TlsServer;
  /** Called once the listener is shut down and every connection is closed. */
  readonly onFinished: () => void;
}
