import { InvalidArgumentError } from '@porta/core';

/**
 * KCP's `nodelay` knobs (ikcp.c's `ikcp_nodelay`), the four numbers kcptun's `--mode` sets.
 *
 * @example
 * ```ts
 * const custom: KcpTuning = { nodelay: true, intervalMs: 15, fastResend: 2, congestionControl: false };
 * ```
 */
export interface KcpTuning {
  /** Minimum RTO 30 ms instead of 100, and a timed-out segment's RTO grows by half, not by a whole RTO. */
  readonly nodelay: boolean;
  /** How often the session flushes (sends ACKs, new data and retransmissions), 10–5000 ms. */
  readonly intervalMs: number;
  /** Resend a segment once this many later segments were acknowledged before it (0: never). */
  readonly fastResend: number;
  /** KCP's congestion window (slow start, halving on loss); kcptun turns it off in every mode. */
  readonly congestionControl: boolean;
}

/** kcptun's `--mode` names. */
export type KcpMode = 'normal' | 'fast' | 'fast2' | 'fast3';

/**
 * The tunings behind kcptun's `--mode` (kcptun's client and server `main.go`:
 * `nodelay, interval, resend, nc`): normal 0,40,2,1 · fast 0,30,2,1 · fast2 1,20,2,1 · fast3 1,10,2,1.
 * kcptun's default mode is `fast`.
 *
 * @example
 * ```ts
 * kcpConnect(socket, server, { tuning: KCP_MODES.fast3 });
 * ```
 */
export const KCP_MODES: Readonly<Record<KcpMode, KcpTuning>> = {
  normal: { nodelay: false, intervalMs: 40, fastResend: 2, congestionControl: false },
  fast: { nodelay: false, intervalMs: 30, fastResend: 2, congestionControl: false },
  fast2: { nodelay: true, intervalMs: 20, fastResend: 2, congestionControl: false },
  fast3: { nodelay: true, intervalMs: 10, fastResend: 2, congestionControl: false },
};

/**
 * Looks a mode up by name, with the bad name and the good ones in the error.
 *
 * @throws {@link @porta/core!InvalidArgumentError} for a name kcptun does not know.
 * @example
 * ```ts
 * const tuning = kcpMode(process.env.KCP_MODE ?? 'fast');
 * ```
 */
export function kcpMode(name: string): KcpTuning {
  const tuning = (KCP_MODES as Record<string, KcpTuning | undefined>)[name];
  if (!tuning) {
    throw new InvalidArgumentError(
      `unknown KCP mode '${name}': expected one of ${Object.keys(KCP_MODES).join(', ')}`,
    );
  }
  return tuning;
}
