import { type Datagram, type Endpoint, encodeString, filterOrigin } from '@porta/core';
import { bindUdp } from '@porta/udp';
import {
  catchError,
  concat,
  defer,
  EMPTY,
  first,
  ignoreElements,
  map,
  type Observable,
  of,
  ReplaySubject,
  switchMap,
  toArray,
  zip,
} from 'rxjs';
import { asciiText } from './ascii.js';
import { captureOf } from './captureOf.js';
import { defaultLog, type ExampleOptions, type Lang, messages } from './messages.js';
import { pyAddress, pyRepr } from './python.js';
import {
  type ClientExchange,
  type UdpLocalClientOptions,
  udpLocalClient,
  udpLocalServer,
} from './udpLocal.js';
import { withServer } from './withServer.js';

/** The spoofer's payload in the course. */
export const FAKE = 'FAKE';

/** A reply the hardened client refused, and why. */
export interface Rejection {
  readonly from: Endpoint;
  readonly text: string;
  readonly reason: string;
}

/**
 * Why a datagram from `from` is not the reply from `server`, in words a person can check.
 *
 * @example
 * ```ts
 * rejectionReason(endpoint('127.0.0.1', 50339), endpoint('127.0.0.1', 1060));
 * // 'it came from port 50339, but the request went to port 1060'
 * ```
 */
export function rejectionReason(from: Endpoint, server: Endpoint, lang: Lang = 'en'): string {
  const say = messages(lang).promiscuous;
  return from.address !== server.address
    ? say.wrongAddress(from.address, server.address)
    : say.wrongPort(from.port, server.port);
}

/** Options of {@link hardenedClient}. */
export interface HardenedClientOptions extends Omit<UdpLocalClientOptions, 'acceptReplies'> {
  /** Called for every datagram refused by the origin check. */
  readonly onReject?: (rejection: Rejection) => void;
}

/**
 * porta's answer to the course's "promiscuous client": the same request as `udp_local.py cliente`,
 * but the reply must come from the address **and** port the request went to (`filterOrigin`).
 * Anything else is refused, and the client says why, then keeps waiting for the real reply.
 *
 * @example
 * ```ts
 * hardenedClient({ port: 1060, onReject: (r) => console.log(r.reason) }).subscribe();
 * ```
 */
export function hardenedClient(options: HardenedClientOptions = {}): Observable<ClientExchange> {
  const { lang, log = defaultLog } = options;
  const say = messages(lang).promiscuous;
  const refuse = (server: Endpoint) => (d: Datagram) => {
    const rejection = {
      from: d.remote,
      text: safeText(d.data),
      reason: rejectionReason(d.remote, server, lang),
    };
    log(say.rejected(pyAddress(d.remote), rejection.reason));
    options.onReject?.(rejection);
  };
  return udpLocalClient({
    ...options,
    acceptReplies: (server) => filterOrigin(server, { onDrop: refuse(server) }),
  });
}

function safeText(data: Uint8Array): string {
  try {
    return asciiText(data);
  } catch {
    return `<${data.length} bytes, not ASCII>`;
  }
}

/** Options of {@link spoof}. */
export interface SpoofOptions extends ExampleOptions {
  /** The victim: the client's address (the port the course tells you to note). */
  readonly to: Endpoint;
  /** Address the attacker binds (default `127.0.0.1`). */
  readonly address?: string;
  /** Port the attacker binds (default 0: any). Binding the server's port on another address forges both. */
  readonly port?: number;
  /** Payload (default `FAKE`). */
  readonly text?: string;
}

/**
 * The course's attacker: one datagram, `FAKE`, sent to the client's port from a socket that is not
 * the server. Emits the attacker's address once sent, then closes.
 *
 * @example
 * ```ts
 * spoof({ to: clientAddress }).subscribe((from) => console.log('sent from', from));
 * ```
 */
export function spoof(options: SpoofOptions): Observable<Endpoint> {
  const { address = '127.0.0.1', port = 0, text = FAKE, log = defaultLog } = options;
  const say = messages(options.lang).promiscuous;
  return bindUdp({ address, port, ...captureOf(options) }).pipe(
    switchMap((socket) =>
      concat(
        socket.send(encodeString(text, 'ascii'), options.to).pipe(ignoreElements()),
        defer(() => {
          log(say.spoofSent(pyAddress(socket.local), pyAddress(options.to), pyRepr(text)));
          return of(socket.local);
        }),
      ),
    ),
    first(),
  );
}

/** One client's exchange under attack: what it accepted, and the spoofs sent at it. */
export interface AttackedExchange {
  readonly exchange: ClientExchange;
  /** Where each spoofed datagram came from. */
  readonly spoofs: readonly Endpoint[];
  /** What the client refused (always empty for the naive client). */
  readonly rejections: readonly Rejection[];
}

/** What {@link promiscuousDemo} found. */
export interface PromiscuousDemoResult {
  readonly server: Endpoint;
  /** The course's client: it takes the first datagram, `FAKE`. */
  readonly naive: AttackedExchange;
  /** porta's client: refuses every spoof, then takes the server's real reply. */
  readonly hardened: AttackedExchange;
}

/** Options of {@link promiscuousDemo}. */
export interface PromiscuousDemoOptions extends ExampleOptions {
  /** How long the server holds each reply: the attacker's window (default 300 ms). */
  readonly holdMs?: number;
  /** The clients' clock, for the time they put in their requests (default: the real clock). */
  readonly now?: () => Date;
}

/**
 * The course's "promiscuous client" experiment, end to end on loopback with ephemeral ports: a
 * server slow to answer, the naive client, and an attacker who sends `FAKE` to the client's port
 * first. Then the same attack on porta's hardened client, plus a second spoof that forges the
 * server's port from another loopback address (127.0.0.2, where the OS allows binding it).
 *
 * @example
 * ```ts
 * const { naive, hardened } = await firstValueFrom(promiscuousDemo());
 * naive.exchange.reply; // 'FAKE'
 * ```
 */
export function promiscuousDemo(options: PromiscuousDemoOptions = {}): Observable<PromiscuousDemoResult> {
  const { holdMs = 300, lang = 'en', log = defaultLog } = options;
  return withServer(udpLocalServer({ port: 0, holdMs, lang, log }), (server) => {
    const common = {
      port: server.port,
      bindAddress: '127.0.0.1',
      lang,
      log,
      ...(options.now === undefined ? {} : { now: options.now }),
      // Only the clients record: each datagram of the demo reaches or leaves one of them, once.
      ...captureOf(options),
    } as const;
    const portSpoof = (victim: Endpoint) => spoof({ to: victim, lang, log });
    // Same port as the server, other address: only the address check can catch this one.
    const addressSpoof = (victim: Endpoint) =>
      spoof({ to: victim, address: '127.0.0.2', port: server.port, lang, log }).pipe(catchError(() => EMPTY));
    const naive = underAttack((onSent) => udpLocalClient({ ...common, onSent }), [portSpoof]);
    const hardened = defer(() => {
      const rejections: Rejection[] = [];
      return underAttack(
        (onSent) => hardenedClient({ ...common, onSent, onReject: (r) => rejections.push(r) }),
        [portSpoof, addressSpoof],
      ).pipe(map((attacked) => ({ ...attacked, rejections })));
    });
    return concat(naive, hardened).pipe(
      toArray(),
      map(([n, h]) => ({ server, naive: n!, hardened: h! })),
    );
  });
}

function underAttack(
  client: (onSent: (local: Endpoint) => void) => Observable<ClientExchange>,
  attacks: readonly ((victim: Endpoint) => Observable<Endpoint>)[],
): Observable<AttackedExchange> {
  return defer(() => {
    const sent = new ReplaySubject<Endpoint>(1);
    const spoofs = sent.pipe(
      first(),
      switchMap((victim) => concat(...attacks.map((attack) => attack(victim)))),
      toArray(),
    );
    return zip(
      client((local) => sent.next(local)),
      spoofs,
    ).pipe(map(([exchange, from]) => ({ exchange, spoofs: from, rejections: [] })));
  });
}
