import { Duplex } from 'node:stream';
import type { TcpConnection } from './tcpConnection.js';

/**
 * Options of {@link toDuplex}.
 *
 * @example
 * ```ts
 * const options: ToDuplexOptions = { readableHighWaterMark: 256 * 1024 };
 * ```
 */
export interface ToDuplexOptions {
  /**
   * Bytes read from the socket ahead of the `Duplex`'s consumer, on top of Node's own readable
   * buffer; past it the socket is paused. Default 64 KiB.
   */
  readonly readableHighWaterMark?: number;
  /** The `Duplex`'s writable buffer, in bytes, before `write()` returns false. Default 64 KiB. */
  readonly writableHighWaterMark?: number;
}

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

/**
 * A Node `stream.Duplex` over a {@link TcpConnection}, so `stream.pipeline`, `.pipe()` and stream
 * libraries (zlib, crypto, parsers) can use porta's connections. Backpressure holds both ways:
 *
 * - writing: each chunk is sent with `conn.send` (`sendall`), and its callback runs once the bytes
 *   are handed to the OS — after `drain` when the socket's buffer is full — so the `Duplex`'s
 *   writable buffer fills and `pipeline` waits for a slow peer;
 * - reading: chunks are pulled as the consumer reads; when its buffer is full the socket is paused
 *   (TCP's window closes) until it reads again.
 *
 * `end()` half-closes (FIN) after what was written; the peer's FIN ends the readable side and
 * writing goes on (`allowHalfOpen`). Destroying the `Duplex` closes the connection; a connection
 * failure (`CONNECTION_RESET`, `TIMEOUT`, …) destroys the `Duplex` with the typed error. Once both
 * sides have ended the `Duplex` closes the connection, as a `net.Socket` does. The `Duplex` owns
 * the connection's reading: do not also read `conn.bytes`.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { createGzip } from 'node:zlib';
 *
 * await using conn = await openTcpConnection({ host: '127.0.0.1', port: 9000 });
 * await pipeline(createReadStream('db.dump'), createGzip(), toDuplex(conn));
 * ```
 */
export function toDuplex(conn: TcpConnection, options: ToDuplexOptions = {}): Duplex {
  const readAhead = options.readableHighWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  let chunks: AsyncIterableIterator<Uint8Array> | undefined;
  let pulling = false;

  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark: readAhead,
    writableHighWaterMark: options.writableHighWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    read() {
      if (pulling) return;
      pulling = true;
      const iterator = (chunks ??= conn.chunks({ highWaterMark: readAhead }));
      // Asking the iterator for the next chunk is what lets the socket resume, so ask only while
      // the consumer's buffer has room (push() returned true) and stop when it is full.
      const pull = (): void => {
        iterator.next().then(
          (result) => {
            if (result.done) {
              pulling = false;
              duplex.push(null);
            } else if (duplex.push(result.value)) {
              pull();
            } else {
              pulling = false;
            }
          },
          (error: unknown) => duplex.destroy(error as Error),
        );
      };
      pull();
    },
    write(chunk: Buffer, _encoding, callback) {
      conn.send(chunk).subscribe({ complete: () => callback(), error: (error: Error) => callback(error) });
    },
    final(callback) {
      conn.end();
      callback();
    },
    destroy(error, callback) {
      void chunks?.return?.();
      // Both sides ended (autoDestroy): the FIN is queued behind the last bytes and the socket
      // closes itself once it is sent, as net.Socket does; closing now could cut it short. Any
      // other destroy is an abort: close at once.
      if (error !== null || !(duplex.readableEnded && duplex.writableFinished)) conn.close();
      callback(error);
    },
  });
  return duplex;
}
