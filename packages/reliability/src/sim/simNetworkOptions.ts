import type { Endpoint, PacketCapture } from '@porta/core';
import type { SchedulerLike } from 'rxjs';
import type { ImpairmentOptions } from '../impairment/impairment.js';

/**
 * Settings of one direction of a link: the same knobs as {@link impair}.
 *
 * @example
 * ```ts
 * net.setLink({ address: '10.0.0.1' }, {}, { lossRate: 0.2, delayMs: 40 } satisfies SimLinkOptions);
 * ```
 */
export type SimLinkOptions = ImpairmentOptions;

/**
 * Options of a {@link SimNetwork}.
 *
 * @example
 * ```ts
 * new SimNetwork({ seed: 7, defaultLink: { lossRate: 0.1, delayMs: 50 } });
 * ```
 */
export interface SimNetworkOptions {
  /** Seed of every random decision the network takes (loss, delay, duplication, …). Default 1. */
  readonly seed?: number;
  /**
   * Clock and timer of the network. Default: a fresh {@link SimScheduler} (a `VirtualTimeScheduler`), driven by
   * {@link SimNetwork.advanceBy}, {@link SimNetwork.flush} and {@link SimNetwork.run}. Pass an
   * rxjs `TestScheduler` to share its virtual time, or `asyncScheduler` for real time.
   */
  readonly scheduler?: SchedulerLike;
  /** Settings of every link without a more specific {@link SimNetwork.setLink} rule. Default: perfect. */
  readonly defaultLink?: SimLinkOptions;
  /** First port handed out to sockets bound to port 0 (then upwards, wrapping). Default 49152. */
  readonly firstEphemeralPort?: number;
  /**
   * Record every datagram sent on the network in a pcapng capture (core's `PacketCapture`), at its
   * virtual send time, with what the network did to it as a comment (lost, duplicated). Default none.
   */
  readonly capture?: PacketCapture;
}

/**
 * Where to bind a simulated socket.
 *
 * @example
 * ```ts
 * net.bind({ address: '10.0.0.1', port: 1060 });
 * ```
 */
export interface SimBindOptions {
  /** IP literal; `0.0.0.0` / `::` receive for every address of their family. Default `127.0.0.1`. */
  readonly address?: string;
  /** Port; 0 (default) picks the next free ephemeral port. */
  readonly port?: number;
}

/**
 * Matches endpoints in {@link SimNetwork.setLink}: an omitted field matches anything.
 *
 * @example
 * ```ts
 * net.setLink({ address: '10.0.0.2' }, { port: 1060 }, { lossRate: 1 }); // 10.0.0.2 cannot reach :1060
 * ```
 */
export interface SimEndpointPattern {
  readonly address?: string;
  readonly port?: number;
}

/**
 * Counters of everything the network did, since it was created.
 *
 * @example
 * ```ts
 * const { sent, lost, delivered } = net.stats;
 * ```
 */
export interface SimNetworkStats {
  /** Datagrams handed to the network by sockets. */
  readonly sent: number;
  /** Copies handed to a bound socket (duplicates included). */
  readonly delivered: number;
  /** Datagrams dropped by `lossRate`. */
  readonly lost: number;
  /** Extra copies made by `duplicateRate`. */
  readonly duplicated: number;
  /** Copies delivered after a datagram sent later on the same directed pair. */
  readonly reordered: number;
  /** Copies with one bit flipped by `corruptRate`. */
  readonly corrupted: number;
  /** Copies that arrived at an address and port where no socket was bound (lost, as UDP does). */
  readonly unreachable: number;
  /** Copies that reached a bound socket with no subscriber to its `datagrams` (dropped). */
  readonly unread: number;
  /** Copies scheduled for delivery that have not arrived yet. */
  readonly inFlight: number;
}

/**
 * One thing that happened on the wire: the network's trace.
 *
 * @example
 * ```ts
 * net.events.subscribe((e) => console.log(e.time, e.type, e.from.port, '→', e.to.port));
 * ```
 */
export interface SimEvent {
  readonly type: 'sent' | 'lost' | 'duplicated' | 'delivered' | 'unreachable' | 'unread';
  /** Virtual (scheduler) time in ms. */
  readonly time: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** Per directed pair, the number of the datagram (copies share it). */
  readonly seq: number;
  readonly bytes: number;
  /** For `delivered`: true when the copy was corrupted on the way. */
  readonly corrupted?: boolean;
}
