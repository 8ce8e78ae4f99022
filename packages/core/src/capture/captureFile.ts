import { closeSync, openSync, writeSync } from 'node:fs';
import { PacketCapture, type PacketCaptureOptions } from './packetCapture.js';

/**
 * A {@link PacketCapture} written to a pcapng file at `path` (created or truncated now). Writes are
 * synchronous, so the file holds every flushed packet even if the process then dies; `close()`
 * flushes and closes the file.
 *
 * @example
 * ```ts
 * const capture = captureFile('tour.pcapng');
 * // … sockets opened with { capture } …
 * capture.close(); // then: tshark -r tour.pcapng
 * ```
 */
export function captureFile(
  path: string,
  options: Omit<PacketCaptureOptions, 'write' | 'onClose'> = {},
): PacketCapture {
  const fd = openSync(path, 'w');
  return new PacketCapture({
    ...options,
    write: (bytes) => writeSync(fd, bytes),
    onClose: () => closeSync(fd),
  });
}
