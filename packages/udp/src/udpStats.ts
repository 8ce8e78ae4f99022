/**
 * Counters of one UDP socket, read at any time through `socket.stats` (a snapshot).
 *
 * @example
 * ```ts
 * const { received, dropped } = socket.stats;
 * ```
 */
export interface UdpStats {
  /** Datagrams received from the OS. */
  readonly received: number;
  /** Payload bytes received. */
  readonly bytesReceived: number;
  /** Datagrams the OS accepted for sending. */
  readonly sent: number;
  /** Payload bytes the OS accepted for sending. */
  readonly bytesSent: number;
  /** Datagrams received while nothing was subscribed to the inbound stream (UDP cannot push back). */
  readonly dropped: number;
  /**
   * Datagrams refused by the bounded queue of a `for await` loop over the socket: they arrived while
   * the loop body ran and the queue was full (UDP cannot push back, so the newest is dropped).
   */
  readonly queueDropped: number;
}
