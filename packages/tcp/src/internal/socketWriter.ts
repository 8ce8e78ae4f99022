import type { PortaError } from '@porta/core';
import type { TcpCaptureTap } from './captureTap.js';
import type { ConnectionState } from './connectionState.js';
import type { IdleGuard } from './idleGuard.js';
import { toPortaError } from './systemError.js';

/**
 * The one way bytes go out of a connection: every `send`, `sendAll` frame and actor reply is a
 * {@link SocketWriter.write}, which tells its caller when the OS has the bytes (`sendall`).
 */
export class SocketWriter {
  readonly state: ConnectionState;
  readonly #tap: TcpCaptureTap | undefined;
  readonly #idle: IdleGuard | undefined;

  constructor(state: ConnectionState, tap: TcpCaptureTap | undefined, idle: IdleGuard | undefined) {
    this.state = state;
    this.#tap = tap;
    this.#idle = idle;
  }

  /** Writes one chunk; `done` runs once it is handed to the OS or failed. Returns write()'s verdict. */
  write(data: Uint8Array, done: (err?: PortaError) => void): boolean {
    this.#idle?.touch();
    this.#tap?.outbound(data);
    const state = this.state;
    const socket = state.socket;
    const before = socket.writableLength;
    let handedOver = false;
    const ok = socket.write(data, (err) => {
      if (err) done(state.failure ?? toPortaError(err, state.remote.address, state.remote.port));
      // Node calls back *without* an error for a write the socket's destruction cancelled (bytes
      // still in libuv's queue are dropped), so success with a destroyed socket is only trusted
      // when the OS took the whole chunk inside write() itself.
      else if (socket.destroyed && !handedOver) state.whenClosed(() => done(state.cutOffError()));
      else done();
    });
    // write() flushed the chunk synchronously to the OS iff the socket's buffer did not grow.
    handedOver = socket.writableLength <= before;
    return ok;
  }
}
