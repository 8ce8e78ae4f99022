import type { PacketCapture } from '@porta/core';

/**
 * The `capture` option to hand a socket, or none: spread it into `bindUdp`, `connectUdp`,
 * `connectTcp` or `listenTcp` options (an absent option must stay absent, not `undefined`).
 *
 * @example
 * ```ts
 * bindUdp({ address: host, port, ...captureOf(options) });
 * ```
 */
export function captureOf(options: { readonly capture?: PacketCapture | undefined }): {
  readonly capture?: PacketCapture;
} {
  return options.capture === undefined ? {} : { capture: options.capture };
}
