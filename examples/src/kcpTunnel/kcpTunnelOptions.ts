import type { KcpCryptName, KcpSessionOptions } from '@porta/reliability';

/**
 * What both ends of a KCP tunnel share, under kcptun's option names where they mean the same, with
 * kcptun's defaults (`--crypt aes`, its `--key`, snappy compression, `--ds 10 --ps 3`), so a tunnel
 * end and a kcptun end given the same flags — or none — talk.
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
  /** kcptun's `--crypt` (porta has those in `KCP_CRYPTS`). Default `aes`, kcptun's. Ignored when `packetLayer` is given. */
  readonly crypt?: KcpCryptName;
  /** kcptun's `--key`, the passphrase both ends share. Default kcptun's, `it's a secrect`. */
  readonly key?: string;
  /** kcptun's `--nocomp`: no snappy stream under smux. Default false (compression on, kcptun's). */
  readonly noComp?: boolean;
  /** kcptun's `--ds` / `--ps` (FEC). Default 10 and 3, kcptun's; 0 turns FEC off. */
  readonly dataShards?: number;
  readonly parityShards?: number;
}
