import {
  type DatagramSocket,
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  type Remote,
  sameOrigin,
  toEndpoint,
} from '@porta/core';

/** Where a request goes: `to`, which on a connected socket must be its remote, or that remote. */
export function destinationOf(socket: DatagramSocket, to: Endpoint | Remote | undefined): Endpoint {
  const { remote } = socket;
  if (to === undefined) {
    if (remote === undefined) {
      throw new InvalidArgumentError(
        `request needs a destination: the socket at ${formatEndpoint(socket.local)} is not connected`,
      );
    }
    return remote;
  }
  const endpoint = toEndpoint(to);
  if (remote !== undefined && !sameOrigin(remote, endpoint)) {
    throw new InvalidArgumentError(
      `the socket is connected to ${formatEndpoint(remote)}: it cannot send a request to ${formatEndpoint(endpoint)}`,
    );
  }
  return endpoint;
}
