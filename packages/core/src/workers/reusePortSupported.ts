/**
 * Platforms whose kernel spreads one port over several sockets (`SO_REUSEPORT` with load
 * balancing), as Node's documentation of `reusePort` lists them.
 */
const REUSE_PORT_PLATFORMS: ReadonlySet<string> = new Set(['linux', 'freebsd', 'sunos', 'aix']);

/**
 * True when this runtime can bind one port from several sockets with `reusePort` (node:net's
 * `listen` and node:dgram's `createSocket`): Node ≥ 22.12 (or ≥ 23.1) on Linux, FreeBSD, Solaris or
 * AIX. Older Nodes ignore the option silently, and a second bind of the port then fails with
 * `EADDRINUSE` — so ask before passing it. `bindUdp` and `listenTcp` refuse `reusePort: true` where
 * this is false.
 *
 * @example
 * ```ts
 * const mode = reusePortSupported() ? 'reusePort' : 'cluster';
 * ```
 */
export function reusePortSupported(
  version: string = process.versions.node,
  platform: string = process.platform,
): boolean {
  if (!REUSE_PORT_PLATFORMS.has(platform)) return false;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
