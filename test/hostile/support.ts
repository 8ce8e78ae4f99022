// Shared helpers of the hostile suite (not a test file itself).
import { spawnSync } from 'node:child_process';
import {
  type Behaviour,
  type Endpoint,
  type ServeOptions,
  type ServerEvent,
  type ServerHandle,
  serve,
} from '@porta/core';
import type { TransportPlugin } from '@porta/core/transport';
import { Subscription } from 'rxjs';
import { afterEach } from 'vitest';

const live = new Set<Subscription>();

/**
 * A subscription unsubscribed after the test even when an assertion failed first. Call
 * `releaseAfterEach()` once per file, after `trackHandles()`, so it runs before the handle check.
 */
export function owned(): Subscription {
  const subs = new Subscription();
  live.add(subs);
  return subs;
}

export function releaseAfterEach(): void {
  afterEach(() => {
    for (const subs of live) subs.unsubscribe();
    live.clear();
  });
}

/** Waits (bounded by wall time) until `condition` holds. */
export async function until(condition: () => boolean, what: string, limitMs = 8_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningServer {
  readonly local: Endpoint;
  readonly server: ServerHandle;
  readonly events: ServerEvent[];
  ofType<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[];
}

/** `serve(...)` subscribed in `subs`, resolved once it listens. */
export async function startServer(
  transport: TransportPlugin,
  behaviour: Behaviour,
  subs: Subscription,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const events: ServerEvent[] = [];
  subs.add(serve(transport, behaviour, options).subscribe((e) => events.push(e)));
  await until(() => events.length > 0, 'the server to listen');
  const listening = events[0];
  if (listening?.type !== 'listening') throw new Error(`expected listening first, got ${listening?.type}`);
  return {
    local: listening.local,
    server: listening.server,
    events,
    ofType: <T extends ServerEvent['type']>(type: T) =>
      events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type),
  };
}

/**
 * How many TCP connections a test may open here: up to `wanted`, within the process's open-file
 * limit (two descriptors per loopback connection, plus a margin for everything else).
 */
export function connectionBudget(wanted: number): number {
  const shell = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number.parseInt(shell.stdout, 10);
  if (!Number.isFinite(limit)) return Math.min(wanted, 200);
  return Math.max(10, Math.min(wanted, Math.floor((limit - 256) / 2)));
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const ascii = (b: Uint8Array): string => new TextDecoder().decode(b);
