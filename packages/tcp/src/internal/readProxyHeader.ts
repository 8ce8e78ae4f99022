import type { Socket } from 'node:net';
import {
  ChunkQueue,
  type Endpoint,
  formatEndpoint,
  hasProxySignature,
  type ProxyHeader,
  ProxyProtocolError,
  proxyHeaderDecoder,
} from '@porta/core';
import type { SchedulerLike } from 'rxjs';

/** How reading a PROXY header ended: the header, or the error that closes the connection. */
export type ProxyHeaderResult =
  | { readonly header: ProxyHeader; readonly error?: undefined }
  | { readonly header?: undefined; readonly error: ProxyProtocolError };

/**
 * Reads a PROXY header off a freshly accepted socket, before anyone else reads it. On success the
 * socket is left paused with the bytes that followed the header pushed back (`unshift`), so the
 * connection built on it sees exactly the application's bytes. Bounded by the decoder (107 bytes
 * for v1, `maxHeaderLength` for v2, checked before buffering) and by `timeoutMs`. Returns a cancel.
 */
export function readProxyHeader(
  socket: Socket,
  options: {
    readonly timeoutMs: number;
    readonly maxHeaderLength?: number;
    readonly scheduler: SchedulerLike;
  },
  done: (result: ProxyHeaderResult) => void,
): () => void {
  const decoder = proxyHeaderDecoder(
    options.maxHeaderLength === undefined ? {} : { maxHeaderLength: options.maxHeaderLength },
  );
  const queue = new ChunkQueue();
  let received = 0;
  let first: Uint8Array | undefined;
  let finished = false;

  const finish = (result: ProxyHeaderResult) => {
    if (finished) return;
    finished = true;
    timer.unsubscribe();
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    done(result);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    first ??= chunk.subarray(0, 16);
    queue.push(chunk);
    let header: ProxyHeader | undefined;
    try {
      header = decoder.decode(queue);
    } catch (err) {
      finish({ error: err as ProxyProtocolError });
      return;
    }
    if (header === undefined) return;
    socket.pause();
    if (queue.length > 0) socket.unshift(queue.take(queue.length));
    finish({ header });
  };
  const onEnd = () =>
    finish({
      error: new ProxyProtocolError(
        `connection ended after ${received} bytes, before its PROXY header was complete`,
        first,
      ),
    });
  const timer = options.scheduler.schedule(
    () =>
      finish({
        error: new ProxyProtocolError(
          `no complete PROXY header within ${options.timeoutMs} ms (${received} bytes received)`,
          first,
        ),
      }),
    options.timeoutMs,
  );
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', onEnd);
  return () => {
    // The listener is closing: it destroys the socket itself and reports nothing for it.
    finished = true;
    timer.unsubscribe();
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
  };
}

/**
 * The first-chunk screen of a connection from an untrusted address `via`: a chunk that opens with
 * a PROXY signature is a spoofing attempt, refused with a `ProxyProtocolError` (also handed to
 * `refused`); anything else passes.
 */
export function spoofedHeaderScreen(
  via: Endpoint,
  refused: (error: ProxyProtocolError) => void,
): (chunk: Uint8Array) => ProxyProtocolError | undefined {
  return (chunk) => {
    if (!hasProxySignature(chunk)) return undefined;
    const error = new ProxyProtocolError(
      `${formatEndpoint(via)} is not a trusted balancer but opened with a PROXY header`,
      chunk.subarray(0, 16),
    );
    refused(error);
    return error;
  };
}
