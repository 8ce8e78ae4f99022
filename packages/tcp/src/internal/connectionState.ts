import type { Socket } from 'node:net';
import { type Endpoint, formatEndpoint, type PortaError, SocketClosedError } from '@porta/core';
import { closeReasonOf } from './closeReason.js';

/**
 * What every part of a connection needs to know about its socket's lifetime: whether it closed,
 * the failure that closed it, and the error a send gets once it cannot send any more.
 */
export class ConnectionState {
  readonly socket: Socket;
  readonly remote: Endpoint;
  /** The connection object, the key its owner-ended reason is recorded under (`closeReason.ts`). */
  readonly owner: object;
  /** The first failure: a socket error, or the one `fail()` closed it with. */
  failure: PortaError | undefined;
  /** True once the socket is fully closed (its 'close' event). */
  isClosed = false;

  constructor(socket: Socket, remote: Endpoint, owner: object) {
    this.socket = socket;
    this.remote = remote;
    this.owner = owner;
  }

  /** Why a send cannot start now (closed, failed or half-closed), or `undefined` when it can. */
  sendRefusal(): PortaError | undefined {
    const socket = this.socket;
    if (this.failure && socket.destroyed) return this.failure;
    if (socket.destroyed || this.isClosed) {
      const why = closeReasonOf(this.owner);
      return new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} is closed${why === undefined ? '' : `: ${why}`}`,
      );
    }
    if (socket.writableEnded) {
      return new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} was half-closed by end(): no more sends`,
      );
    }
    return undefined;
  }

  /** The error a write cut off by the socket's end reports: the failure that killed it, or SOCKET_CLOSED. */
  cutOffError(): PortaError {
    return (
      this.failure ??
      new SocketClosedError(
        `connection with ${formatEndpoint(this.remote)} closed before the bytes were handed to the OS`,
      )
    );
  }

  /** Runs `fn` once the socket has closed (after its 'error', so the failure is known). */
  whenClosed(fn: () => void): void {
    if (this.isClosed) fn();
    else this.socket.once('close', fn);
  }
}
