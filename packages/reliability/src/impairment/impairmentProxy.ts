import { type Datagram, type DatagramSocket, type Endpoint, sameOrigin } from '@porta/core';
import { checkPositiveInteger, checkPositiveNumber, PeerMap } from '@porta/core/transport';
import { asyncScheduler, Observable, type SchedulerLike, Subject, Subscription } from 'rxjs';
import { type ImpairStats, impair } from './impair.js';
import type { ImpairmentOptions } from './impairment.js';

/**
 * Where to bind a socket: what {@link ImpairmentProxyOptions.bind} receives.
 *
 * @example
 * ```ts
 * const bind = (o: ProxyBindRequest) => bindUdp(o);
 * ```
 */
export interface ProxyBindRequest {
  readonly address?: string;
  readonly port?: number;
}

/**
 * Options of {@link impairmentProxy}. Top-level impairment settings apply to both directions.
 *
 * @example
 * ```ts
 * const target = toEndpoint({ address: '127.0.0.1', port: 1060 }); // the server under test
 * const options: ImpairmentProxyOptions = { bind: bindUdp, target, requests: { lossRate: 0.5 }, seed: 1 };
 * ```
 */
export interface ImpairmentProxyOptions extends ImpairmentOptions {
  /**
   * How to open a datagram socket: `bindUdp` from `@porta/udp` for real UDP, or
   * `(o) => network.bind(o)` for a {@link SimNetwork}. Subscribing binds, unsubscribing closes.
   */
  readonly bind: (options: ProxyBindRequest) => Observable<DatagramSocket>;
  /** Where clients send. Default `127.0.0.1`, port 0 (read the port from the emitted proxy). */
  readonly listen?: ProxyBindRequest;
  /** The real server. */
  readonly target: Endpoint;
  /** Settings for client → target only, over the top-level ones. */
  readonly requests?: ImpairmentOptions;
  /** Settings for target → client only, over the top-level ones. */
  readonly replies?: ImpairmentOptions;
  /** Seed of the request direction; replies use `seed + 1`. Default 1. */
  readonly seed?: number;
  /** Clock of delays and idle timeouts. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Clients served at once (one upstream socket each). Datagrams from more are dropped. Default 256. */
  readonly maxClients?: number;
  /** A client silent this long loses its upstream socket (a later datagram makes a new one). Default 60 s. */
  readonly idleTimeoutMs?: number;
  /**
   * Address of the upstream sockets (one per client, port 0). Default: the loopback address when
   * the target is on loopback, else the wildcard of the target's family.
   */
  readonly upstreamAddress?: string;
  /** Datagrams kept per client while its upstream socket is being bound. Default 64. */
  readonly pendingLimit?: number;
}

/**
 * Counters of an {@link ImpairmentProxy}.
 *
 * @example
 * ```ts
 * const { requests, replies, strangers } = proxy.stats;
 * ```
 */
export interface ImpairmentProxyStats {
  /** Client → target. */
  readonly requests: ImpairStats;
  /** Target → client. */
  readonly replies: ImpairStats;
  /** Clients with an upstream socket now. */
  readonly clients: number;
  /** Datagrams dropped because `maxClients` clients were already served. */
  readonly overLimit: number;
  /** Datagrams dropped while waiting for an upstream socket beyond `pendingLimit`. */
  readonly overflow: number;
  /** Datagrams that reached an upstream socket from anyone but the target (dropped). */
  readonly strangers: number;
  /** Sends that failed (the datagram is lost, as on a real network). */
  readonly sendErrors: number;
}

/**
 * A running proxy, as {@link impairmentProxy} emits it.
 *
 * @example
 * ```ts
 * const target = toEndpoint({ address: '127.0.0.1', port: 1060 });
 * impairmentProxy({ bind: bindUdp, target, lossRate: 0.2 }).subscribe((proxy) =>
 *   console.log(proxy.local.port, proxy.stats.clients),
 * );
 * ```
 */
export interface ImpairmentProxy {
  /** Where clients send: the listening socket's address. */
  readonly local: Endpoint;
  readonly target: Endpoint;
  /** A snapshot of the counters. */
  readonly stats: ImpairmentProxyStats;
}

interface Client {
  readonly remote: Endpoint;
  socket: DatagramSocket | undefined;
  readonly waiting: Uint8Array[];
  readonly subscription: Subscription;
  idle: Subscription | undefined;
}

/**
 * A UDP proxy that mistreats traffic: clients send to it, it forwards their datagrams to `target`
 * through {@link impair} and relays the target's replies, impaired too, back to the right client.
 * The course's "pretend to drop half the packets" server, generalised, in front of any server —
 * including one that knows nothing of porta, such as the course's Python programs.
 *
 * Each client gets its own upstream socket (so the target sees one source port per client, and a
 * reply's upstream socket names its client); it is closed after `idleTimeoutMs` of silence.
 * Datagrams reaching an upstream socket from anyone but the target are dropped and counted.
 *
 * Subscribing binds the listening socket and emits the proxy once; unsubscribing closes every
 * socket and cancels every timer. A receive failure of the listening socket errors the proxy with
 * that error; one of an upstream socket closes that socket (the client's next datagram opens another). Runs on real UDP (`bind: bindUdp`) or on a simulated network.
 *
 * @example
 * ```ts
 * impairmentProxy({ bind: bindUdp, target: server, requests: { lossRate: 0.5 }, seed: 7 })
 *   .subscribe((proxy) => console.log(`clients: send to port ${proxy.local.port}`));
 * ```
 */
export function impairmentProxy(options: ImpairmentProxyOptions): Observable<ImpairmentProxy> {
  const { bind, target, requests: requestOverrides, replies: replyOverrides, listen, ...common } = options;
  const seed = options.seed ?? 1;
  const scheduler = options.scheduler ?? asyncScheduler;
  const maxClients = options.maxClients ?? 256;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const pendingLimit = options.pendingLimit ?? 64;
  checkPositiveInteger(maxClients, 'maxClients');
  checkPositiveInteger(pendingLimit, 'pendingLimit');
  checkPositiveNumber(idleTimeoutMs, 'idleTimeoutMs', { infinity: true });
  const base = pick(common);
  const upstream = options.upstreamAddress ?? defaultUpstream(target);
  const requestImpairer = impair({ ...base, ...requestOverrides, seed, scheduler });
  const replyImpairer = impair({ ...base, ...replyOverrides, seed: seed + 1, scheduler });

  return new Observable<ImpairmentProxy>((subscriber) => {
    // Keyed as sameOrigin compares; full, a newcomer is refused (overLimit), never an established client.
    const clients = new PeerMap<Client>({ maxSize: maxClients, whenFull: 'reject' });
    const counters = { overLimit: 0, overflow: 0, strangers: 0, sendErrors: 0 };
    const toTarget = new Subject<Datagram>();
    const toClients = new Subject<Datagram>();
    let listening: DatagramSocket | undefined;

    const send = (socket: DatagramSocket, data: Uint8Array, to: Endpoint) =>
      socket.send(data, to).subscribe({ error: () => counters.sendErrors++ });

    const forget = (remote: Endpoint) => {
      const client = clients.peek(remote);
      if (client === undefined) return;
      clients.delete(remote);
      client.idle?.unsubscribe();
      client.subscription.unsubscribe();
    };

    const touch = (client: Client) => {
      client.idle?.unsubscribe();
      client.idle = scheduler.schedule(() => forget(client.remote), idleTimeoutMs);
    };

    const clientFor = (remote: Endpoint): Client | undefined => {
      const known = clients.peek(remote);
      if (known !== undefined) {
        touch(known);
        return known;
      }
      if (clients.size >= maxClients) {
        counters.overLimit++;
        return undefined;
      }
      const subscription = new Subscription();
      const client: Client = { remote, socket: undefined, waiting: [], subscription, idle: undefined };
      clients.set(remote, client);
      touch(client);
      subscription.add(
        bind({ address: upstream, port: 0 }).subscribe({
          next: (socket) => {
            client.socket = socket;
            subscription.add(
              socket.datagrams.subscribe({
                next: (d) => {
                  if (!sameOrigin(d.remote, target)) {
                    counters.strangers++;
                    return;
                  }
                  if (clients.peek(remote) === client) touch(client);
                  toClients.next({ data: d.data, remote });
                },
                // A failed upstream socket is dropped (the client's next datagram binds a new one);
                // left unhandled, rxjs would rethrow the error and crash the process.
                error: () => {
                  if (clients.peek(remote) === client) forget(remote);
                },
              }),
            );
            for (const data of client.waiting.splice(0)) send(socket, data, target);
          },
          error: () => {
            counters.sendErrors += client.waiting.length;
            client.waiting.length = 0;
            forget(remote);
          },
        }),
      );
      return client;
    };

    subscriber.add(
      toTarget.pipe(requestImpairer).subscribe((d) => {
        const client = clientFor(d.remote);
        if (client === undefined) return;
        if (client.socket !== undefined) send(client.socket, d.data, target);
        else if (client.waiting.length < pendingLimit) client.waiting.push(d.data);
        else counters.overflow++;
      }),
    );
    subscriber.add(
      toClients.pipe(replyImpairer).subscribe((d) => {
        if (listening !== undefined) send(listening, d.data, d.remote);
      }),
    );
    subscriber.add(
      bind({ address: listen?.address ?? '127.0.0.1', port: listen?.port ?? 0 }).subscribe({
        next: (socket) => {
          listening = socket;
          subscriber.add(
            socket.datagrams.subscribe({
              next: (d) => toTarget.next(d),
              // The listening socket failing ends the proxy, typed, instead of an unhandled error.
              error: (err: unknown) => subscriber.error(err),
            }),
          );
          subscriber.next({
            local: socket.local,
            target,
            get stats(): ImpairmentProxyStats {
              return {
                requests: requestImpairer.stats,
                replies: replyImpairer.stats,
                clients: clients.size,
                ...counters,
              };
            },
          });
        },
        error: (err: unknown) => subscriber.error(err),
      }),
    );
    return () => {
      for (const client of [...clients.values()]) forget(client.remote);
      toTarget.complete();
      toClients.complete();
    };
  });
}

function defaultUpstream(target: Endpoint): string {
  if (target.family === 'IPv6') return target.address === '::1' ? '::1' : '::';
  return target.address.startsWith('127.') ? '127.0.0.1' : '0.0.0.0';
}

function pick(o: ImpairmentOptions): ImpairmentOptions {
  const { lossRate, delayMs, jitterMs, duplicateRate, reorderRate, reorderDelayMs, corruptRate } = o;
  return Object.fromEntries(
    Object.entries({
      lossRate,
      delayMs,
      jitterMs,
      duplicateRate,
      reorderRate,
      reorderDelayMs,
      corruptRate,
    }).filter(([, v]) => v !== undefined),
  );
}
