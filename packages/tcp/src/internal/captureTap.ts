import type { Socket } from 'node:net';
import type { Endpoint, PacketCapture, TcpSide } from '@porta/core';
import { errnoOf } from '@porta/core/transport';

/** What a {@link TcpConnection} tells its capture: the chunks it reads and the bytes it writes. */
export interface TcpCaptureTap {
  inbound(chunk: Uint8Array): void;
  outbound(data: Uint8Array): void;
}

/**
 * Records one connection in `capture` as a synthesized TCP flow: the handshake now (from `side`'s
 * point of view: `client` for `connectTcp`, `server` for an accepted connection), every chunk read
 * and written, the FIN of each side as the socket reports it (`end`: the peer's; `finish`: ours),
 * and a reset when the socket closes on an error. For TLS the bytes are the decrypted ones, as the
 * application sees them.
 */
export function captureTap(
  socket: Socket,
  capture: PacketCapture,
  local: Endpoint,
  remote: Endpoint,
  side: TcpSide,
): TcpCaptureTap {
  const theirs: TcpSide = side === 'client' ? 'server' : 'client';
  const tls = (socket as { readonly encrypted?: boolean }).encrypted === true;
  const handshake = tls ? { comment: 'TLS: the segments show the decrypted bytes' } : {};
  const flow =
    side === 'client' ? capture.tcp(local, remote, handshake) : capture.tcp(remote, local, handshake);
  let failure: string | undefined;
  socket.once('end', () => flow.fin(theirs));
  socket.once('finish', () => flow.fin(side));
  socket.once('error', (err) => {
    failure = errnoOf(err) ?? err.message;
  });
  socket.once('close', (hadError: boolean) => {
    if (hadError) flow.reset(theirs, failure === undefined ? {} : { comment: failure });
    else flow.fin(side);
  });
  // Every reader of a connection gets the same chunk object: record it once.
  let last: Uint8Array | undefined;
  return {
    inbound(chunk) {
      if (chunk === last) return;
      last = chunk;
      flow.data(theirs, chunk);
    },
    outbound(data) {
      flow.data(side, data);
    },
  };
}
