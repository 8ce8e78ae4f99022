import dgram from 'node:dgram';

/**
 * Sends one datagram to `port` on 127.0.0.1 from each of `sources` fresh source ports, at most
 * `batch` sockets open at once (so the test stays far below any file-descriptor limit): a flood of
 * "new peers" as cheap as spoofed source ports would be off loopback.
 */
export async function floodFromPorts(
  port: number,
  sources: number,
  payload: Uint8Array = new Uint8Array(16),
  batch = 100,
): Promise<void> {
  for (let done = 0; done < sources; done += batch) {
    const n = Math.min(batch, sources - done);
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const socket = dgram.createSocket('udp4');
            socket.on('error', () => {
              socket.close();
              resolve();
            });
            socket.bind(0, '127.0.0.1', () => {
              socket.send(payload, port, '127.0.0.1', () => {
                socket.close();
                resolve();
              });
            });
          }),
      ),
    );
  }
}
