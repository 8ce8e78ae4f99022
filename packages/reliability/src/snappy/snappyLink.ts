import { decodeWith } from '@porta/core';
import { defer, type Observable } from 'rxjs';
import type { SmuxLink } from '../smux/smuxSession.js';
import { encodeSnappyFrames, SnappyFrameDecoder } from './snappyFrames.js';

/**
 * kcptun's compression (its default; `--nocomp` turns it off): snappy's framing format over the
 * whole byte stream under smux — kcptun's `CompStream` wraps the KCP session in golang/snappy's
 * buffered Writer (flushed after every write) and Reader, and smux runs on top. Returns `link` with
 * its bytes compressed on the way out and decompressed on the way in; a corrupt stream errors the
 * inbound bytes with `CORRUPT_FRAME` (the smux session over it fails).
 *
 * @example
 * ```ts
 * declare const session: KcpSession; // from kcpConnect
 * const mux = new SmuxSession(snappyLink(session), { client: true });
 * ```
 */
export function snappyLink(link: SmuxLink): SmuxLink {
  let first = true;
  const inbound: Observable<Uint8Array> = link.inbound.pipe(decodeWith(() => new SnappyFrameDecoder()));
  return {
    inbound,
    // Encoded when the send is subscribed, so the stream identifier goes before whatever is sent first.
    send: (data) =>
      defer(() => {
        const framed = encodeSnappyFrames(data, first);
        first = false;
        return link.send(framed);
      }),
    close: () => link.close(),
    ...(link.pause ? { pause: () => link.pause?.() } : {}),
    ...(link.resume ? { resume: () => link.resume?.() } : {}),
  };
}
