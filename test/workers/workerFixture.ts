// A pool worker for workerPool.test.ts, run by superviseWorkers with `--import tsx`: serves an
// echo behaviour (`serve`) on UDP or TCP as its primary says (its own `reusePort` socket, or the
// primary's dispatcher / cluster's listener), answers each message with its own index, and
// forwards its server events to the primary. FIXTURE_PROTO = udp | tcp, FIXTURE_PORT = the port.
import {
  encodeString,
  forwardServerEvents,
  onShutdown,
  reportStats,
  reportToPrimary,
  type ServerHandle,
  serve,
  workerBindMode,
  workerIndex,
} from '@porta/core';
import { datagramTransport } from '@porta/core/transport';
import { tcpTransport } from '@porta/tcp';
import { dispatchedUdpSocket, udpTransport } from '@porta/udp';
import { map, of } from 'rxjs';

const port = Number(process.env.FIXTURE_PORT);
const reusePort = workerBindMode() === 'reusePort';
const me = encodeString(`worker ${workerIndex()}`, 'ascii');

const transport =
  process.env.FIXTURE_PROTO === 'tcp'
    ? tcpTransport({ port, ...(reusePort ? { reusePort } : {}) })
    : reusePort
      ? udpTransport({ port, reusePort })
      : datagramTransport('udp', of(dispatchedUdpSocket()));

let handle: ServerHandle | undefined;
const running = serve(transport, (peer) => peer.messages.pipe(map(() => me)))
  .pipe(forwardServerEvents())
  .subscribe((event) => {
    if (event.type !== 'listening') return;
    handle = event.server;
    reportToPrimary({ fixture: 'listening' });
  });

onShutdown(() => {
  running.unsubscribe();
  // A stopped server emits no more events: its final totals go to the primary in one report.
  void reportStats({ ...handle?.stats(), drained: 1 }).then(() => process.exit(0));
});
