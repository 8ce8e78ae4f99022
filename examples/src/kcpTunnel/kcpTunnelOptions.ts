import type { KcpCryptName, KcpSessionOptions } from '@porta/reliability';

/**
 * What both ends of a KCP tunnel share, under kcptun's option names where they mean the same.
 *
 * @example
 * ```ts
 * const options: KcpTunnelOptions = { mode: 'fast3', smuxVersion: 2, crypt: 'none', noComp: true };
 * ```
 */
export interface KcpTunnelOptions extends KcpSessionOptions {
  /** kcptun's `--smuxver`. Default 1 (kcptun's default). */
  readonly smuxVersion?: 1 | 2;
  /** kcptun's `--smuxbuf`. Default 4 MiB. */
  readonly smuxBuffer?: number;
  /** kcptun's `--streambuf` (smux v2). Default 2 MiB. */
  readonly streamBuffer?: number;
  /** kcptun's `--keepalive`, seconds between NOPs. Default 10. */
  readonly keepAliveSeconds?: number;
  /** kcptun's `--crypt` (porta has those in `KCP_CRYPTS`). Default `none`. Ignored when `packetLayer` is given. */
  readonly crypt?: KcpCryptName;
  /** kcptun's `--key`, the passphrase both ends share. Default kcptun's, `it's a secrect`. */
  readonly key?: string;
  /** kcptun's `--nocomp`: must be true (snappy is not implemented). */
  readonly noComp?: boolean;
}
