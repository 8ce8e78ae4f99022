import type { UdpStats } from '../udpStats.js';

/** Mutable counters behind {@link UdpStats}. */
export class UdpCounters {
  received = 0;
  bytesReceived = 0;
  sent = 0;
  bytesSent = 0;
  dropped = 0;
  queueDropped = 0;

  snapshot(): UdpStats {
    return {
      received: this.received,
      bytesReceived: this.bytesReceived,
      sent: this.sent,
      bytesSent: this.bytesSent,
      dropped: this.dropped,
      queueDropped: this.queueDropped,
    };
  }
}
