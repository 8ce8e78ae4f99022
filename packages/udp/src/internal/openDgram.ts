import type dgram from 'node:dgram';
import {
  type Endpoint,
  type Family,
  maxDatagramSize,
  type PacketCapture,
  type PortaError,
  portaChannels,
  toAsyncIterable,
} from '@porta/core';
import { abortErrorOf, handlesReleased, Multicast } from '@porta/core/transport';
import type { Subscriber, TeardownLogic } from 'rxjs';
import type { UdpStats } from '../udpStats.js';
import { UdpCounters } from './counters.js';
import {
  applyBuffers,
  closeQuietly,
  createDgram,
  localEndpoint,
  type SendTarget,
  type SocketPlan,
} from './dgram.js';
import { at, type ErrorContext, toPortaError } from './socketErrors.js';

const UNREAD = { comment: 'dropped: no subscriber to the socket’s datagrams' } as const;

/**
 * The state every open node:dgram socket carries, bound or connected: its counters, its hot inbound
 * stream of `T` (what one datagram becomes), and the receive path that feeds it. Subclasses add
 * only what differs: how a datagram becomes a `T`, and how they send.
 */
export abstract class OpenDgram<T> implements SendTarget {
  readonly socket: dgram.Socket;
  readonly local: Endpoint;
  readonly family: Family;
  readonly maxDatagramSize: number;
  readonly counters = new UdpCounters();
  /** The connected remote, if any: receive and send errors name it rather than `local`. */
  declare readonly remote?: Endpoint;
  closed = false;
  closedBecause: string | undefined;
  readonly capture: PacketCapture | undefined;
  /** A `Multicast`, not a `Subject`: no closure or iterator per datagram (see its doc). */
  protected readonly inbound = new Multicast<T>();
  #handleClosed = false;

  constructor(socket: dgram.Socket, plan: SocketPlan) {
    this.socket = socket;
    this.local = localEndpoint(socket);
    this.family = plan.family;
    this.capture = plan.capture;
    this.maxDatagramSize = maxDatagramSize(plan.family);
    socket.on('message', this.#onMessage);
    socket.once('close', () => {
      this.#handleClosed = true;
    });
  }

  /**
   * CLOSE without the subscription: closes the socket, completes the inbound stream and the
   * Observable that opened it, and resolves once node:dgram reports the socket closed.
   */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#handleClosed) {
        void handlesReleased().then(resolve);
        return;
      }
      // node:dgram says 'close' on the next tick, before libuv has released the handle.
      this.socket.once('close', () => void handlesReleased().then(resolve));
      this.dispose('close() was called');
      closeQuietly(this.socket);
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `for await` over the inbound stream, through a bounded queue whose drops are counted. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return toAsyncIterable(this.inbound.observable, {
      capacity: ITERATOR_CAPACITY,
      onDrop: () => {
        this.counters.queueDropped++;
      },
    });
  }

  get maxDatagram(): number {
    return this.maxDatagramSize;
  }

  get stats(): UdpStats {
    return this.counters.snapshot();
  }

  get recvBufferSize(): number {
    return this.closed ? 0 : this.socket.getRecvBufferSize();
  }

  /** A receive failure the OS reported: terminal for the inbound stream. */
  fail(error: PortaError): void {
    this.inbound.error(error);
  }

  dispose(reason?: string): void {
    if (!this.closed) this.closedBecause = reason;
    this.closed = true;
    this.socket.off('message', this.#onMessage);
    this.inbound.complete();
  }

  /** What one received datagram is on the inbound stream. */
  protected abstract received(data: Buffer, rinfo: dgram.RemoteInfo): T;

  readonly #onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    const counters = this.counters;
    counters.received++;
    counters.bytesReceived += data.byteLength;
    if (this.capture !== undefined)
      this.capture.datagram(rinfo, this.local, data, this.inbound.observed ? {} : UNREAD);
    if (!this.inbound.observed) {
      counters.dropped++;
      return;
    }
    this.inbound.next(this.received(data, rinfo));
  };
}

/** Datagrams a `for await` loop over a socket may hold while its body runs. */
const ITERATOR_CAPACITY = 1024;

/** What {@link openDgram} needs of the socket object it makes. */
type Opened = Pick<OpenDgram<unknown>, 'local' | 'remote' | 'fail' | 'dispose' | 'stats'>;

const { udpBind, udpClose } = portaChannels;

/** `{ local }`, plus `remote` for a connected socket (an absent remote stays absent). */
function endpoints(opened: Opened): { readonly local: Endpoint; readonly remote?: Endpoint } {
  return opened.remote === undefined
    ? { local: opened.local }
    : { local: opened.local, remote: opened.remote };
}

/** Who opened a socket: named in the `SOCKET_CLOSED` of a send after its subscription ended. */
export interface DgramOwner {
  /** `bindUdp` or `connectUdp`. */
  readonly name: string;
  /** Its promise form, suggested to whoever closed the socket by taking only its first value. */
  readonly promiseForm: string;
  /** Aborting it closes the socket: see `UdpSocketOptions.signal`. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * SOCKET + BIND (+ CONNECT when `remote` is given) for one subscriber, then SO_RCVBUF/SO_SNDBUF,
 * then `subscriber.next(open(socket))`. Each step's failure errors the subscriber, typed and naming
 * the address the step concerned; once open, an OS error fails the socket's inbound instead.
 * `owner.signal` aborting fails the inbound and the subscriber with `AbortError`; a socket closed
 * with `close()` completes the subscriber. Returns the teardown (CLOSE).
 */
export function openDgram<S>(
  subscriber: Subscriber<S>,
  plan: SocketPlan,
  local: { readonly address: string; readonly port: number },
  remote: { readonly address: string; readonly port: number } | undefined,
  open: (socket: dgram.Socket) => S & Opened,
  owner: DgramOwner,
): TeardownLogic {
  const signal = owner.signal;
  const what = `${owner.name} ${formatTarget(remote ?? local)}`;
  if (signal?.aborted) {
    subscriber.error(abortErrorOf(signal, what));
    return;
  }
  let opened: (S & Opened) | undefined;
  const socket = createDgram(plan, () => opened !== undefined);
  const onAbort = () => {
    if (signal === undefined) return;
    const error = abortErrorOf(signal, what);
    opened?.fail(error);
    opened?.dispose('its signal was aborted');
    subscriber.error(error);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  // close() on the socket ends the subscription too: the Observable's lifetime is the socket's.
  socket.once('close', () => subscriber.complete());
  const bindContext = at(local, 'bind');
  // Stays attached until the handle is gone: an 'error' with no listener would crash the process.
  socket.on('error', (err) => {
    if (opened !== undefined) opened.fail(toPortaError(err, at(opened.remote ?? opened.local, 'receive')));
    else subscriber.error(toPortaError(err, bindContext));
  });
  const ready = (context: ErrorContext) => {
    try {
      applyBuffers(socket, plan.buffers);
    } catch (err) {
      subscriber.error(toPortaError(err, { ...context, operation: 'setsockopt' }));
      return;
    }
    opened = open(socket);
    if (udpBind.hasSubscribers) udpBind.publish(endpoints(opened));
    subscriber.next(opened);
  };
  // reusePort: in a cluster worker a non-exclusive bind would be made by the primary and shared;
  // the point is a socket of this worker's own, which the kernel hashes flows to.
  socket.bind({ address: local.address, port: local.port, exclusive: plan.reusePort === true }, () => {
    if (remote === undefined) return ready(bindContext);
    const connectContext = at(remote, 'connect');
    socket.connect(remote.port, remote.address, (err?: Error) => {
      if (err) subscriber.error(toPortaError(err, connectContext));
      else ready(connectContext);
    });
  });
  return () => {
    signal?.removeEventListener('abort', onAbort);
    opened?.dispose(
      `its ${owner.name} subscription ended (unsubscribing is CLOSE; firstValueFrom and take(1) ` +
        `unsubscribe once they have the socket: keep the subscription open, or use ${owner.promiseForm})`,
    );
    closeQuietly(socket);
    if (opened !== undefined && udpClose.hasSubscribers)
      udpClose.publish({ ...endpoints(opened), stats: opened.stats });
  };
}

function formatTarget(t: { readonly address: string; readonly port: number }): string {
  return t.address.includes(':') ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;
}
