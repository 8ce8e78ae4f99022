/**
 * The hooks of a test framework (vitest, jest, mocha and `node:test` all have these two).
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach } from 'node:test';
 * const hooks: TestHooks = { beforeEach, afterEach };
 * trackHandles({ hooks });
 * ```
 */
export interface TestHooks {
  readonly beforeEach: (fn: () => void) => unknown;
  readonly afterEach: (fn: () => Promise<void>) => unknown;
}

/**
 * Options of {@link trackHandles}.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach } from 'vitest';
 * trackHandles({ hooks: { beforeEach, afterEach }, settleMs: 2_000 });
 * ```
 */
export interface TrackHandlesOptions {
  /** How long a test's handles may take to close after it ends (default 1,000 ms). */
  readonly settleMs?: number;
  /** The framework's hooks; default the global `beforeEach` / `afterEach` (jest, mocha, vitest with `globals`). */
  readonly hooks?: TestHooks;
}

/**
 * Asserts that every test leaves the process's active handles (sockets, servers, child processes) as
 * it found them: "no socket, timer or listener outlives its subscription". After each test it waits up
 * to `settleMs` for handles to close, then fails the test naming what stayed open ("1 × TCPSocketWrap").
 * Timers are not counted: the test framework keeps its own.
 *
 * Call once at the top of a test file. It registers on the framework's `beforeEach` / `afterEach`:
 * the global ones, or those passed in `hooks`; without either it throws rather than check nothing.
 *
 * @example
 * ```ts
 * import { expect, it } from 'vitest';
 * trackHandles();
 * it('closes the socket on unsubscribe', async () => {
 *   const socket = await openUdpSocket({ port: 0 });
 *   await socket.close(); // trackHandles fails the test if the UDP handle outlived it
 *   expect(socket.local.port).toBeGreaterThan(0);
 * });
 * ```
 */
export function trackHandles(options: TrackHandlesOptions = {}): void {
  const settleMs = options.settleMs ?? 1_000;
  const hooks = options.hooks ?? globalHooks();
  let baseline = new Map<string, number>();

  hooks.beforeEach(() => {
    baseline = countResources();
  });

  hooks.afterEach(async () => {
    const deadline = Date.now() + settleMs;
    let extra = leaked(baseline, countResources());
    while (extra.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 10));
      extra = leaked(baseline, countResources());
    }
    if (extra.length > 0) {
      throw new Error(`handles left open by the test: ${extra.join(', ')}`);
    }
  });
}

/**
 * Counts the process's active resources by type (`TCPSocketWrap`, `UDPWrap`, `Timeout`, …).
 *
 * @example
 * ```ts
 * const before = countResources().get('UDPWrap') ?? 0;
 * ```
 */
export function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function globalHooks(): TestHooks {
  const g = globalThis as { beforeEach?: unknown; afterEach?: unknown };
  if (typeof g.beforeEach !== 'function' || typeof g.afterEach !== 'function') {
    throw new Error(
      "trackHandles: no global beforeEach/afterEach; pass your framework's: trackHandles({ hooks: { beforeEach, afterEach } })",
    );
  }
  return {
    beforeEach: g.beforeEach as TestHooks['beforeEach'],
    afterEach: g.afterEach as TestHooks['afterEach'],
  };
}

function leaked(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of after) {
    // Timeouts belong to the test framework and to the settle loop itself; sockets and servers leak.
    if (type === 'Timeout' || type === 'Immediate') continue;
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) out.push(`${extra} × ${type}`);
  }
  return out;
}
