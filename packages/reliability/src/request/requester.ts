import {
  abortable,
  type Datagram,
  type DatagramSocket,
  type Endpoint,
  formatEndpoint,
  isPortaError,
  MAX_DATAGRAM_IPV4,
  originKey,
  PendingLimitError,
  type Remote,
} from '@porta/core';
import { assertSignal, checkOneOf, checkPositiveInteger } from '@porta/core/transport';
import { asyncScheduler, Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { retryBackoff } from '../retry/retryBackoff.js';
import { RtoTable } from '../retry/rtoEstimator.js';
import { DestinationQueues } from './internal/destinationQueues.js';
import { EndedRequests, KnownPeers } from './internal/endedRequests.js';
import type { PendingRequest } from './internal/pendingRequest.js';
import { classifyReply, type ReplyContext } from './internal/replyClassifier.js';
import {
  rejectChannel,
  rejectMessage,
  replyChannel,
  replyMessage,
  sendChannel,
  sendMessage,
} from './internal/requestChannels.js';
import { destinationOf } from './internal/requestDestination.js';
import { encodePortaMessage } from './portaMessage.js';
import type { RejectReason, RequesterEvent, RequesterStats } from './requesterEvent.js';
import type { RequesterOptions, RequestOptions } from './requesterOptions.js';

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

function cryptoId(): bigint {
  return globalThis.crypto.getRandomValues(new BigUint64Array(1))[0] ?? 0n;
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
  readonly #randomId: () => bigint;
  readonly #events = new Subject<RequesterEvent>();
  /** Porta mode: requests in flight by id. */
  readonly #byId = new Map<bigint, PendingRequest>();
  /** Destinations of requests in flight or remembered as ended: the endpoints a reply may come from. */
  readonly #peers = new KnownPeers();
  /** Ended requests (by id in porta mode, by destination in plain mode). */
  readonly #ended: EndedRequests;
  readonly #destinations = new DestinationQueues();
  /** What the reply classifier reads. */
  readonly #context: ReplyContext;
  /** Every request subscribed to and not yet finished (in flight or queued). */
  readonly #live = new Set<PendingRequest>();
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
    this.#maxPending = checkPositiveInteger(options.maxPending ?? 1024, 'maxPending');
    const maxReplyBytes = checkPositiveInteger(options.maxReplyBytes ?? MAX_DATAGRAM_IPV4, 'maxReplyBytes');
    this.#ended = new EndedRequests(
      checkPositiveInteger(options.rememberEnded ?? 1024, 'rememberEnded'),
      this.#peers,
    );
    this.#randomId = options.randomId ?? cryptoId;
    this.rto = new RtoTable(options.rto);
    if (options.mode !== undefined) checkOneOf(options.mode, 'mode', ['porta', 'plain']);
    this.#context = {
      plain: this.#plain,
      maxReplyBytes,
      peers: this.#peers,
      byId: this.#byId,
      destinations: this.#destinations,
      ended: this.#ended,
    };
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
      const entry: PendingRequest = {
        id,
        to,
        toKey: originKey(to),
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
      this.#peers.add(entry.toKey);
      if (id !== undefined) this.#byId.set(id, entry);
      this.#listen();
      // The socket's inbound had already failed: this request failed with it (rxjs runs the teardown).
      if (subscriber.closed) return teardown;

      if (this.#onePerDestination) this.#destinations.enqueue(entry);
      else entry.start();

      return teardown;
    });
  }

  /** One request's sends, paced by retryBackoff; each subscription to `attempt` is one send. */
  #attempts(entry: PendingRequest, payload: Uint8Array): Observable<Uint8Array> {
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

  #finish(entry: PendingRequest): void {
    if (!this.#live.delete(entry)) return; // already finished
    if (entry.id !== undefined) this.#byId.delete(entry.id);
    this.#pending -= 1;
    this.#ended.remember(entry.id ?? entry.toKey, { toKey: entry.toKey, answered: entry.answered });
    this.#peers.remove(entry.toKey);
    if (this.#onePerDestination) this.#destinations.finish(entry);
    if (this.#pending === 0) {
      this.#listening?.unsubscribe();
      this.#listening = undefined;
    }
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
    const verdict = classifyReply(d, this.#context);
    if (verdict.kind === 'accept') this.#accept(verdict.request, d, verdict.payload, verdict.sample);
    else this.#reject(verdict.reason, d, verdict.id);
  }

  #accept(entry: PendingRequest, d: Datagram, payload: Uint8Array, sampleAttempt: number | undefined): void {
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
