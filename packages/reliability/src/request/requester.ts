import {
  abortable,
  assertSignal,
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  formatEndpoint,
  InvalidArgumentError,
  isPortaError,
  originKey,
  PendingLimitError,
  portaChannels,
  type Remote,
  type RequestRejectMessage,
  type RequestReplyMessage,
  type RequestSendMessage,
  sameOrigin,
  toEndpoint,
} from '@porta/core';
import { asyncScheduler, Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { type RetryBackoffOptions, retryBackoff } from '../retry/retryBackoff.js';
import { RtoTable, type RtoTableOptions } from '../retry/rtoEstimator.js';
import { decodePortaMessage, encodePortaMessage, type PortaMessage } from './portaMessage.js';

/** Why a {@link requester} refused an inbound datagram. */
export type RejectReason =
  /** Larger than `maxReplyBytes`. */
  | 'oversize'
  /** From the right peer but not a porta reply (bad header, a request, an attempt never sent). */
  | 'malformed'
  /**
   * Not from the endpoint the request went to (address and port, compared as core's `sameOrigin`
   * does, so `::ffff:127.0.0.1` is `127.0.0.1`): the course's `FAKE`.
   */
  | 'wrongOrigin'
  /** A well-formed reply from a known peer, for an id no request of this client ever had. */
  | 'wrongId'
  /** Another reply for a request already answered (retransmissions answered twice, a flood). */
  | 'duplicate'
  /** A reply for a request that ended without an answer (gave up or was unsubscribed). */
  | 'late';

/** Counters of a {@link requester}, since it was created. */
export interface RequesterStats {
  /** Requests subscribed to. */
  readonly requests: number;
  /** Datagrams sent, retransmissions included. */
  readonly sent: number;
  /** Sends after the first of a request. */
  readonly retransmitted: number;
  /** Replies accepted (one per answered request). */
  readonly accepted: number;
  /** Requests that gave up with `SERVER_UNREACHABLE`. */
  readonly unreachable: number;
  /** Requests refused with `PENDING_LIMIT`. */
  readonly refused: number;
  readonly oversize: number;
  readonly malformed: number;
  readonly wrongOrigin: number;
  readonly wrongId: number;
  readonly duplicates: number;
  readonly late: number;
  /** Round-trip samples given to the RTO estimator. */
  readonly rttSamples: number;
}

/** What a {@link requester} does, as it happens. */
export type RequesterEvent =
  | {
      readonly type: 'sent';
      readonly to: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number;
      readonly waitMs: number;
    }
  | {
      readonly type: 'timeout';
      readonly to: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number;
    }
  | {
      readonly type: 'accepted';
      readonly from: Endpoint;
      readonly id: bigint | undefined;
      readonly attempt: number | undefined;
      readonly rttMs: number | undefined;
    }
  | {
      readonly type: 'rejected';
      readonly reason: RejectReason;
      readonly from: Endpoint;
      readonly bytes: number;
      readonly id?: bigint;
    };

/** Options of {@link requester}. */
export interface RequesterOptions {
  /**
   * `'porta'` (default): every request carries a random 64-bit id and the attempt number (see
   * {@link PortaMessage}); the server must answer with {@link serveRequests} or {@link replyTo}.
   * `'plain'`: payloads go out as they are, for servers that know nothing of porta (the course's
   * Python programs); a reply is matched by origin only, so at most one request per destination
   * is in flight (`onePerDestination` is forced on).
   */
  readonly mode?: 'porta' | 'plain';
  /**
   * Start each request's waits from its peer's RFC 6298 RTO ({@link RtoTable}) instead of the
   * course's fixed 100 ms. Default false (the course). With `adaptive`, the retry defaults become
   * five attempts with waits doubling from the RTO and capped at `maxWaitMs` (2 s), so a slow
   * server is not given up on sooner than by the course.
   */
  readonly adaptive?: boolean;
  /** Retry policy and hooks, see {@link retryBackoff}. `initialMs` is replaced by the RTO when `adaptive`. */
  readonly retry?: RetryBackoffOptions;
  /** Clock and timers for the retries and RTT samples. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Most requests pending (in flight or queued); one more fails with `PENDING_LIMIT`. Default 1024. */
  readonly maxPending?: number;
  /** At most one request in flight per destination, the others queue (RFC 8085 §3.1.3). Default false. */
  readonly onePerDestination?: boolean;
  /** Replies larger than this are refused as `oversize`. Default 65,507 (the IPv4 maximum). */
  readonly maxReplyBytes?: number;
  /** How many ended requests are remembered to tell a `late`/`duplicate` reply from a `wrongId` one. Default 1024. */
  readonly rememberEnded?: number;
  /** Settings of the per-peer RTO estimators. */
  readonly rto?: RtoTableOptions;
  /**
   * Source of request ids. Default: 64 bits from `crypto.getRandomValues`. Override only to make a
   * simulation repeat exactly; predictable ids let an off-path attacker forge replies.
   */
  readonly randomId?: () => bigint;
}

/**
 * Options of one {@link Requester.request}.
 *
 * @example
 * ```ts
 * const client = requester(await openUdpSocket());
 * const server = { address: '127.0.0.1', port: 1060 };
 * await firstValueFrom(client.request(payload, server, { signal: AbortSignal.timeout(5_000) }));
 * ```
 */
export interface RequestOptions {
  /**
   * Aborting it abandons the request (no more retransmissions; a late reply is counted `late`) and
   * the request errors with `AbortError` (`ABORT_ERR`); already aborted, nothing is sent.
   */
  readonly signal?: AbortSignal;
}

/** A request/response client: see {@link requester}. */
export interface Requester {
  /**
   * Sends `payload` to `to` (an `Endpoint`, or a bare `{ address, port }`) when subscribed,
   * retrying per the policy; emits the accepted reply's payload once and completes, or errors with
   * `SERVER_UNREACHABLE`. Unsubscribing, or aborting `options.signal`, abandons it.
   *
   * On a connected socket (one with a `remote`, as `connectUdp`'s) `to` may be omitted: the request
   * goes to the remote. A `to` that is not the remote fails with `INVALID_ARGUMENT` before anything
   * is sent; so does an omitted `to` on a socket that is not connected.
   */
  request(payload: Uint8Array, to?: Endpoint | Remote, options?: RequestOptions): Observable<Uint8Array>;
  /** A snapshot of the counters. */
  readonly stats: RequesterStats;
  /** Every send, timeout, acceptance and rejection (hot). */
  readonly events: Observable<RequesterEvent>;
  /** The per-peer RTO estimators (used when `adaptive`). */
  readonly rto: RtoTable;
}

interface Entry {
  readonly id: bigint | undefined;
  readonly to: Endpoint;
  readonly toKey: string;
  readonly sentAt: number[];
  attempts: number;
  /** The wait of the attempt being sent (from retryBackoff's onAttempt), for diagnostics. */
  waitMs: number;
  answered: boolean;
  /** Hands the reply to the attempt waiting for it (retryBackoff then completes as on any success). */
  deliver: ((payload: Uint8Array) => void) | undefined;
  /**
   * Hands the reply to the request itself, cancelling the retry schedule: for a reply accepted while
   * no attempt is subscribed (a failed send waiting for its retry), which would otherwise be lost.
   */
  answer: (payload: Uint8Array) => void;
  start: () => void;
  /** Ends the request with `error` (the socket's inbound failed). */
  fail: (error: unknown) => void;
}

interface Ended {
  readonly toKey: string;
  readonly answered: boolean;
}

type Verdict =
  | {
      readonly kind: 'accept';
      readonly entry: Entry;
      readonly payload: Uint8Array;
      readonly sample: number | undefined;
    }
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly id?: bigint };

interface Destination {
  inFlight: Entry | undefined;
  readonly queue: Entry[];
}

const { requestSend: sendChannel, requestReply: replyChannel, requestReject: rejectChannel } = portaChannels;

function sendMessage(
  socket: DatagramSocket,
  entry: Entry,
  attempt: number,
  data: Uint8Array,
): RequestSendMessage {
  const { to: remote, id, waitMs } = entry;
  return id === undefined
    ? { local: socket.local, remote, attempt, waitMs, data }
    : { local: socket.local, remote, id, attempt, waitMs, data };
}

function replyMessage(
  socket: DatagramSocket,
  entry: Entry,
  d: Datagram,
  attempt: number | undefined,
  rttMs: number | undefined,
  now: number,
  rtoMs: number,
): RequestReplyMessage {
  return {
    local: socket.local,
    remote: d.remote,
    ...(entry.id === undefined ? {} : { id: entry.id }),
    ...(attempt === undefined ? {} : { attempt }),
    ...(rttMs === undefined ? {} : { rttMs, rtoMs }),
    durationMs: now - (entry.sentAt[1] ?? now),
    data: d.data,
  };
}

function rejectMessage(
  socket: DatagramSocket,
  reason: RejectReason,
  d: Datagram,
  byId: ReadonlyMap<bigint, Entry>,
  id: bigint | undefined,
): RequestRejectMessage {
  const expected = id === undefined ? undefined : byId.get(id)?.to;
  return {
    local: socket.local,
    remote: d.remote,
    reason,
    ...(expected === undefined ? {} : { expected }),
    ...(id === undefined ? {} : { id }),
    data: d.data,
  };
}

// By origin, not by spelling: a reply from `::ffff:127.0.0.1` answers a request sent to `::ffff:7f00:1`.
const keyOf = originKey;

function cryptoId(): bigint {
  return globalThis.crypto.getRandomValues(new BigUint64Array(1))[0] ?? 0n;
}

/** Where a request goes: `to`, which on a connected socket must be its remote, or that remote. */
function destinationOf(socket: DatagramSocket, to: Endpoint | Remote | undefined): Endpoint {
  const { remote } = socket;
  if (to === undefined) {
    if (remote === undefined) {
      throw new InvalidArgumentError(
        `request needs a destination: the socket at ${formatEndpoint(socket.local)} is not connected`,
      );
    }
    return remote;
  }
  const endpoint = toEndpoint(to);
  if (remote !== undefined && !sameOrigin(remote, endpoint)) {
    throw new InvalidArgumentError(
      `the socket is connected to ${formatEndpoint(remote)}: it cannot send a request to ${formatEndpoint(endpoint)}`,
    );
  }
  return endpoint;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Request/response over any {@link DatagramSocket} (a UDP socket from `@porta/udp`, or one on the
 * simulated network), hardened against the course's "promiscuous client" attack:
 *
 * - a reply is accepted only from the endpoint the request went to (address and port, as core's
 *   `sameOrigin` compares them: `::ffff:127.0.0.1` is `127.0.0.1`, IPv6 spellings by value), and
 *   in porta mode only with the request's random 64-bit id — a stranger's `FAKE` is refused and
 *   counted (`wrongOrigin`, `wrongId`, `malformed`, `oversize`);
 * - each request is answered at most once: further replies are `duplicate`, replies to a request
 *   that ended are `late`;
 * - retransmissions reuse the id, so a slow reply to the first send still answers; the reply
 *   echoes the attempt, which gives an RTT sample even after a retransmission (Karn's rule is
 *   applied otherwise: plain mode samples only requests sent once);
 * - the table of pending requests is bounded (`maxPending`);
 * - retries follow {@link retryBackoff}: the course's schedule, or the peer's RTO when `adaptive`.
 *
 * A connected socket (`connectUdp`'s) works as any other: `requester(socket).request(payload)` sends
 * to its remote, and the kernel has already dropped every datagram from elsewhere.
 *
 * The socket's datagrams are subscribed to while at least one request is pending; replies that
 * arrive when none is are not seen (the socket counts them as unread). If that inbound stream
 * errors (a receive failure), every pending request errors with the same error.
 *
 * @example
 * ```ts
 * bindUdp().pipe(
 *   switchMap((socket) => requester(socket).request(encodeString('hello', 'ascii'), endpoint('127.0.0.1', 1060))),
 * ).subscribe({ next: (reply) => console.log(new TextDecoder().decode(reply)), error: (e) => console.error(e.code) });
 * ```
 */
export function requester(socket: DatagramSocket, options: RequesterOptions = {}): Requester {
  return new RequesterImpl(socket, options);
}

class RequesterImpl implements Requester {
  readonly rto: RtoTable;
  readonly #socket: DatagramSocket;
  readonly #options: RequesterOptions;
  readonly #plain: boolean;
  readonly #onePerDestination: boolean;
  readonly #scheduler: SchedulerLike;
  readonly #maxPending: number;
  readonly #maxReplyBytes: number;
  readonly #rememberEnded: number;
  readonly #randomId: () => bigint;
  readonly #events = new Subject<RequesterEvent>();
  /** Porta mode: requests in flight by id. */
  readonly #byId = new Map<bigint, Entry>();
  /** Ended requests (by id in porta mode, by destination in plain mode), oldest first. */
  readonly #ended = new Map<bigint | string, Ended>();
  /** Destinations of requests in flight or remembered as ended: the endpoints a reply may come from. */
  readonly #peers = new Map<string, number>();
  readonly #destinations = new Map<string, Destination>();
  /** Every request subscribed to and not yet finished (in flight or queued). */
  readonly #live = new Set<Entry>();
  #pending = 0;
  #listening: Subscription | undefined;
  #stats = {
    requests: 0,
    sent: 0,
    retransmitted: 0,
    accepted: 0,
    unreachable: 0,
    refused: 0,
    oversize: 0,
    malformed: 0,
    wrongOrigin: 0,
    wrongId: 0,
    duplicates: 0,
    late: 0,
    rttSamples: 0,
  };

  readonly events: Observable<RequesterEvent> = this.#events.asObservable();

  constructor(socket: DatagramSocket, options: RequesterOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#plain = options.mode === 'plain';
    this.#onePerDestination = this.#plain || (options.onePerDestination ?? false);
    this.#scheduler = options.scheduler ?? options.retry?.scheduler ?? asyncScheduler;
    this.#maxPending = positiveInteger(options.maxPending ?? 1024, 'maxPending');
    this.#maxReplyBytes = positiveInteger(options.maxReplyBytes ?? 65_507, 'maxReplyBytes');
    this.#rememberEnded = positiveInteger(options.rememberEnded ?? 1024, 'rememberEnded');
    this.#randomId = options.randomId ?? cryptoId;
    this.rto = new RtoTable(options.rto);
    if (options.mode !== undefined && options.mode !== 'porta' && options.mode !== 'plain') {
      throw new InvalidArgumentError(`mode must be 'porta' or 'plain', got ${JSON.stringify(options.mode)}`);
    }
  }

  get stats(): RequesterStats {
    return { ...this.#stats };
  }

  request(payload: Uint8Array, to?: Endpoint | Remote, options: RequestOptions = {}): Observable<Uint8Array> {
    const { signal } = options;
    if (signal !== undefined) assertSignal(signal);
    const sent = this.#request(payload, to);
    return signal === undefined ? sent : sent.pipe(abortable(signal, 'the request'));
  }

  #request(payload: Uint8Array, destination: Endpoint | Remote | undefined): Observable<Uint8Array> {
    return new Observable<Uint8Array>((subscriber) => {
      let to: Endpoint;
      try {
        to = destinationOf(this.#socket, destination);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      this.#stats.requests += 1;
      if (this.#pending >= this.#maxPending) {
        this.#stats.refused += 1;
        subscriber.error(new PendingLimitError(this.#maxPending));
        return;
      }
      let id: bigint | undefined;
      if (!this.#plain) {
        do id = BigInt.asUintN(64, this.#randomId());
        while (this.#byId.has(id) || this.#ended.has(id));
      }
      let attemptSub: Subscription | undefined;
      const entry: Entry = {
        id,
        to,
        toKey: keyOf(to),
        sentAt: [],
        attempts: 0,
        waitMs: 0,
        answered: false,
        deliver: undefined,
        // Completing runs the teardown below, which cancels the retry schedule.
        answer: (reply) => {
          subscriber.next(reply);
          subscriber.complete();
        },
        start: () => {
          attemptSub = this.#attempts(entry, payload).subscribe(subscriber);
        },
        fail: (error) => subscriber.error(error),
      };
      const teardown = () => {
        attemptSub?.unsubscribe();
        this.#finish(entry);
      };
      this.#pending += 1;
      this.#live.add(entry);
      this.#addPeer(entry.toKey);
      if (id !== undefined) this.#byId.set(id, entry);
      this.#listen();
      // The socket's inbound had already failed: this request failed with it (rxjs runs the teardown).
      if (subscriber.closed) return teardown;

      if (this.#onePerDestination) {
        let destination = this.#destinations.get(entry.toKey);
        if (destination === undefined) {
          destination = { inFlight: undefined, queue: [] };
          this.#destinations.set(entry.toKey, destination);
        }
        if (destination.inFlight === undefined) {
          destination.inFlight = entry;
          entry.start();
        } else {
          destination.queue.push(entry);
        }
      } else {
        entry.start();
      }

      return teardown;
    });
  }

  /** One request's sends, paced by retryBackoff; each subscription to `attempt` is one send. */
  #attempts(entry: Entry, payload: Uint8Array): Observable<Uint8Array> {
    const attempt = new Observable<Uint8Array>((subscriber) => {
      const n = entry.attempts + 1;
      entry.attempts = n;
      entry.sentAt[n] = this.#scheduler.now();
      const data =
        entry.id === undefined
          ? payload
          : encodePortaMessage({ kind: 'request', id: entry.id, attempt: n, payload });
      this.#stats.sent += 1;
      if (n > 1) this.#stats.retransmitted += 1;
      entry.deliver = (reply) => {
        subscriber.next(reply);
        subscriber.complete();
      };
      if (sendChannel.hasSubscribers) sendChannel.publish(sendMessage(this.#socket, entry, n, data));
      const sending = this.#socket
        .send(data, entry.to)
        .subscribe({ error: (e: unknown) => subscriber.error(e) });
      return () => {
        sending.unsubscribe();
        entry.deliver = undefined;
      };
    });

    const user = this.#options.retry ?? {};
    const adaptive = this.#options.adaptive === true;
    return attempt.pipe(
      retryBackoff<Uint8Array>({
        ...(adaptive ? { onMaxWait: 'cap' as const, maxAttempts: 5 } : {}),
        ...user,
        ...(adaptive ? { initialMs: this.rto.rto(entry.to) } : {}),
        scheduler: this.#scheduler,
        target: formatEndpoint(entry.to),
        onAttempt: (info) => {
          entry.waitMs = info.waitMs;
          this.#events.next({
            type: 'sent',
            to: entry.to,
            id: entry.id,
            attempt: info.attempt,
            waitMs: info.waitMs,
          });
          user.onAttempt?.(info);
        },
        onTimeout: (info) => {
          if (adaptive) this.rto.backoff(entry.to);
          this.#events.next({ type: 'timeout', to: entry.to, id: entry.id, attempt: info.attempt });
          user.onTimeout?.(info);
        },
      }),
      (source) =>
        new Observable<Uint8Array>((subscriber) =>
          source.subscribe({
            next: (v) => subscriber.next(v),
            complete: () => subscriber.complete(),
            error: (e: unknown) => {
              if (isPortaError(e, 'SERVER_UNREACHABLE')) this.#stats.unreachable += 1;
              subscriber.error(e);
            },
          }),
        ),
    );
  }

  #finish(entry: Entry): void {
    if (!this.#live.delete(entry)) return; // already finished
    if (entry.id !== undefined) this.#byId.delete(entry.id);
    this.#pending -= 1;
    this.#remember(entry.id ?? entry.toKey, { toKey: entry.toKey, answered: entry.answered });
    this.#removePeer(entry.toKey);

    if (this.#onePerDestination) {
      const destination = this.#destinations.get(entry.toKey);
      if (destination !== undefined) {
        if (destination.inFlight === entry) {
          const next = destination.queue.shift();
          destination.inFlight = next;
          next?.start();
        } else {
          const index = destination.queue.indexOf(entry);
          if (index >= 0) destination.queue.splice(index, 1);
        }
        if (destination.inFlight === undefined && destination.queue.length === 0) {
          this.#destinations.delete(entry.toKey);
        }
      }
    }
    if (this.#pending === 0) {
      this.#listening?.unsubscribe();
      this.#listening = undefined;
    }
  }

  #remember(key: bigint | string, ended: Ended): void {
    const previous = this.#ended.get(key);
    if (previous !== undefined) {
      this.#ended.delete(key);
      this.#removePeer(previous.toKey);
    }
    this.#ended.set(key, ended);
    this.#addPeer(ended.toKey);
    if (this.#ended.size > this.#rememberEnded) {
      const oldest = this.#ended.entries().next();
      if (oldest.done !== true) {
        this.#ended.delete(oldest.value[0]);
        this.#removePeer(oldest.value[1].toKey);
      }
    }
  }

  #addPeer(key: string): void {
    this.#peers.set(key, (this.#peers.get(key) ?? 0) + 1);
  }

  #removePeer(key: string): void {
    const n = (this.#peers.get(key) ?? 0) - 1;
    if (n > 0) this.#peers.set(key, n);
    else this.#peers.delete(key);
  }

  #listen(): void {
    if (this.#listening !== undefined) return;
    const listening = this.#socket.datagrams.subscribe({
      next: (d) => this.#receive(d),
      // Without this, a receive failure would be rethrown by rxjs as an uncaught exception (a crashed
      // process) while every pending request waited for replies that cannot come.
      error: (error: unknown) => {
        this.#listening = undefined;
        for (const entry of [...this.#live]) entry.fail(error);
      },
    });
    // An inbound that had already failed did so inside subscribe(): nothing to keep.
    if (!listening.closed) this.#listening = listening;
  }

  #reject(reason: RejectReason, d: Datagram, id: bigint | undefined): void {
    const counter = reason === 'duplicate' ? 'duplicates' : reason;
    this.#stats[counter] += 1;
    const event: RequesterEvent =
      id === undefined
        ? { type: 'rejected', reason, from: d.remote, bytes: d.data.length }
        : { type: 'rejected', reason, from: d.remote, bytes: d.data.length, id };
    this.#events.next(event);
    if (rejectChannel.hasSubscribers)
      rejectChannel.publish(rejectMessage(this.#socket, reason, d, this.#byId, id));
  }

  #receive(d: Datagram): void {
    const verdict = this.#judge(d);
    if (verdict.kind === 'accept') this.#accept(verdict.entry, d, verdict.payload, verdict.sample);
    else this.#reject(verdict.reason, d, verdict.id);
  }

  /** Decides what an inbound datagram is: the first failing check names the rejection. */
  #judge(d: Datagram): Verdict {
    if (d.data.length > this.#maxReplyBytes) return { kind: 'reject', reason: 'oversize' };
    const fromKey = keyOf(d.remote);
    if (!this.#peers.has(fromKey)) return { kind: 'reject', reason: 'wrongOrigin' };
    if (this.#plain) {
      const entry = this.#destinations.get(fromKey)?.inFlight;
      if (entry === undefined) {
        return { kind: 'reject', reason: this.#ended.get(fromKey)?.answered === true ? 'duplicate' : 'late' };
      }
      if (entry.answered) return { kind: 'reject', reason: 'duplicate' };
      // Karn's rule: with no attempt echoed, only a request sent once gives an unambiguous sample.
      return { kind: 'accept', entry, payload: d.data, sample: entry.attempts === 1 ? 1 : undefined };
    }

    let message: PortaMessage;
    try {
      message = decodePortaMessage(d.data);
    } catch {
      return { kind: 'reject', reason: 'malformed' };
    }
    const id = message.id;
    if (message.kind !== 'reply') return { kind: 'reject', reason: 'malformed', id };
    const entry = this.#byId.get(id);
    if (entry !== undefined) {
      if (!sameOrigin(entry.to, d.remote)) return { kind: 'reject', reason: 'wrongOrigin', id };
      // A reply cannot answer a send that has not happened yet.
      if (message.attempt > entry.attempts) return { kind: 'reject', reason: 'malformed', id };
      if (entry.answered) return { kind: 'reject', reason: 'duplicate', id };
      return { kind: 'accept', entry, payload: message.payload, sample: message.attempt };
    }
    const ended = this.#ended.get(id);
    if (ended === undefined) return { kind: 'reject', reason: 'wrongId', id };
    if (ended.toKey !== fromKey) return { kind: 'reject', reason: 'wrongOrigin', id };
    return { kind: 'reject', reason: ended.answered ? 'duplicate' : 'late', id };
  }

  #accept(entry: Entry, d: Datagram, payload: Uint8Array, sampleAttempt: number | undefined): void {
    entry.answered = true;
    this.#stats.accepted += 1;
    let rttMs: number | undefined;
    const sentAt = sampleAttempt === undefined ? undefined : entry.sentAt[sampleAttempt];
    if (sentAt !== undefined) {
      rttMs = this.#scheduler.now() - sentAt;
      this.rto.sample(entry.to, rttMs);
      this.#stats.rttSamples += 1;
    }
    this.#events.next({ type: 'accepted', from: d.remote, id: entry.id, attempt: sampleAttempt, rttMs });
    if (replyChannel.hasSubscribers)
      replyChannel.publish(
        replyMessage(
          this.#socket,
          entry,
          d,
          sampleAttempt,
          rttMs,
          this.#scheduler.now(),
          this.rto.rto(entry.to),
        ),
      );
    if (entry.deliver !== undefined) entry.deliver(payload);
    else entry.answer(payload);
  }
}
