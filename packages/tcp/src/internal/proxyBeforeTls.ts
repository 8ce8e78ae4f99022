import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { type Endpoint, formatEndpoint, hasProxySignature, ProxyProtocolError } from '@porta/core';
import type { SchedulerLike } from 'rxjs';
import type { ProxiedConnection } from '../proxyProtocolOptions.js';
import type { ProxyProtocolSetup } from './listenerSetup.js';
import { readProxyHeader } from './readProxyHeader.js';

/** How the clear-text prelude of a TLS connection ended. */
export type ProxyBeforeTlsResult =
  | { readonly proxied?: ProxiedConnection; readonly error?: undefined }
  | { readonly error: ProxyProtocolError; readonly proxied?: undefined };

/**
 * PROXY and TLS together: HAProxy's `send-proxy`/`send-proxy-v2` to a TLS backend writes the header
 * in clear, before the ClientHello, so it is read off the raw socket first and only then does
 * node:tls get the socket (`tlsServer.emit('connection')`, with the bytes after the header pushed
 * back for the handshake to read). From a source that is not trusted nothing is read as a header:
 * the first chunk is only screened, and a PROXY signature there refuses the connection.
 *
 * `done` runs before the TLS server sees the socket (not at all after `cancel`). The listener's
 * handshake deadline, from the TCP accept, bounds the whole prelude, header included.
 */
export function proxyBeforeTls(
  raw: Socket,
  via: Endpoint,
  options: {
    readonly proxy: ProxyProtocolSetup;
    readonly scheduler: SchedulerLike;
    readonly tlsServer: TlsServer;
  },
  done: (result: ProxyBeforeTlsResult) => void,
): () => void {
  const handshake = () => {
    if (!raw.destroyed) options.tlsServer.emit('connection', raw);
  };
  const { proxy } = options;
  if (!proxy.isTrusted(via.address)) {
    const onData = (chunk: Buffer) => {
      raw.pause();
      if (hasProxySignature(chunk)) {
        done({
          error: new ProxyProtocolError(
            `${formatEndpoint(via)} is not a trusted balancer but opened with a PROXY header`,
            chunk.subarray(0, 16),
          ),
        });
        return;
      }
      raw.unshift(chunk);
      done({});
      handshake();
    };
    raw.once('data', onData);
    return () => raw.off('data', onData);
  }
  return readProxyHeader(
    raw,
    {
      timeoutMs: proxy.timeoutMs,
      scheduler: options.scheduler,
      ...(proxy.maxHeaderLength === undefined ? {} : { maxHeaderLength: proxy.maxHeaderLength }),
    },
    (result) => {
      if (result.error !== undefined) {
        done({ error: result.error });
        return;
      }
      done({ proxied: { via, header: result.header } });
      handshake();
    },
  );
}
