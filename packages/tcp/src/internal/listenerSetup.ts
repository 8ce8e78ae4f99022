import type { Server } from 'node:net';
import type { SchedulerLike } from 'rxjs';
import type { TcpConnectionOptions } from '../TcpConnection.js';

/** What `listenTcp` gives the listener it builds. */
export interface TcpListenerSetup {
  readonly server: Server;
  readonly tls: boolean;
  readonly maxConnections: number;
  readonly connection: TcpConnectionOptions;
  readonly scheduler: SchedulerLike;
  /** Called once the listener is shut down and every connection is closed. */
  readonly onFinished: () => void;
}
