import { afterEach, beforeEach, expect } from 'vitest';

/**
 * Asserts that every test leaves the process's active handles (sockets, timers, servers) as it found
 * them: "no socket, timer or listener outlives its subscription".
 *
 * Call once at the top of a test file: `trackHandles()`.
 */
export function trackHandles(options: { readonly settleMs?: number } = {}): void {
  const settleMs = options.settleMs ?? 1_000;
  let baseline: Map<string, number> = new Map();

  beforeEach(() => {
    baseline = countResources();
  });

  afterEach(async () => {
    const deadline = Date.now() + settleMs;
    let extra = leaked(baseline, countResources());
    while (extra.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 10));
      extra = leaked(baseline, countResources());
    }
    expect(extra, 'handles left open by the test').toEqual([]);
  });
}

/** Counts the process's active resources by type, ignoring the probe's own timers. */
export function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function leaked(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of after) {
    // Timeouts belong to vitest and to the settle loop itself; socket and server handles are what leak.
    if (type === 'Timeout' || type === 'Immediate') continue;
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) out.push(`${extra} × ${type}`);
  }
  return out;
}
