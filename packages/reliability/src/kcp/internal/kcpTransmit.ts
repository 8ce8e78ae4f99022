import type { DatagramSocket, Endpoint } from '@porta/core';
import type { Observer } from 'rxjs';

/** A lost send is a lost packet: KCP retransmits it, as after a loss on the wire (the socket counts it). */
const IGNORE_OUTCOME: Observer<void> = {
  next: () => undefined,
  error: () => undefined,
  complete: () => undefined,
};

/**
 * How a KCP session hands each datagram to `socket` for `remote`: through `sendDirect` when the
 * socket has it (no Observable per datagram, same typed errors and counters), else by subscribing
 * to `send`. Either way a failed send is dropped like a packet lost on the wire.
 */
export function kcpTransmit(socket: DatagramSocket, remote: Endpoint): (datagram: Uint8Array) => void {
  const sendDirect = socket.sendDirect?.bind(socket);
  if (sendDirect !== undefined) return (datagram) => sendDirect(datagram, remote, IGNORE_OUTCOME);
  return (datagram) => {
    socket.send(datagram, remote).subscribe(IGNORE_OUTCOME);
  };
}
