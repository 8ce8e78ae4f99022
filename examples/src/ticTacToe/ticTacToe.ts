import { type Endpoint, lines } from '@porta/core';
import { connectTcp, listenTcp, type TcpConnection } from '@porta/tcp';
import { Either } from 'effect';
import {
  defer,
  finalize,
  first,
  ignoreElements,
  map,
  mergeMap,
  Observable,
  of,
  Subscription,
  startWith,
  switchMap,
  takeWhile,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { defaultLog, type ExampleOptions, type Lang, type Log, messages } from '../messages.js';
import { noAnswerAt } from '../noAnswerAt.js';
import { pyAddress } from '../python.js';
import { boardFromString, boardToString, type Game, type Mark, newGame, play, renderBoard } from './game.js';
import { decodeMove, decodeServerMessage, moveLine, type ServerMessage, serverLine } from './protocol.js';

/**
 * Asked for a move whenever it is this side's turn: emits what the player typed (first value is
 * used). The `porta` command reads a line from the terminal; tests and the tour script the moves.
 */
export type Player = (game: Game, you: Mark) => Observable<string>;

/**
 * A player who types the given moves in order (e.g. `['5', 'banana', '1']`); errors if asked for
 * more moves than it has.
 *
 * @example
 * ```ts
 * ticTacToeServer({ port: 0, player: scriptedPlayer(['5', '1', '9']) });
 * ```
 */
export function scriptedPlayer(moves: readonly string[]): Player {
  let next = 0;
  return () =>
    defer(() => {
      const move = moves[next++];
      if (move === undefined) throw new Error(`scripted player ran out of moves after ${moves.length}`);
      return of(move);
    });
}

/** What happened in a game, seen from one side. */
export type TicTacToeEvent =
  | { readonly type: 'listening'; readonly local: Endpoint }
  | { readonly type: 'started'; readonly you: Mark; readonly opponent: Endpoint }
  | { readonly type: 'moved'; readonly mark: Mark; readonly square: number; readonly board: string }
  /** A move was refused (malformed or against the rules); the game went on. */
  | { readonly type: 'refused'; readonly mark: Mark; readonly reason: string }
  | { readonly type: 'over'; readonly board: string; readonly result: Mark | 'draw' }
  /** The other side left before the end. */
  | { readonly type: 'abandoned' };

/** Options of {@link ticTacToeServer} and {@link ticTacToeClient}. */
export interface TicTacToeOptions extends ExampleOptions {
  /** Interface the server listens on / host the client connects to (default `127.0.0.1`). */
  readonly host?: string;
  /** TCP port (default 1060; 0 lets the server's OS choose). */
  readonly port?: number;
  /** Where this side's moves come from. */
  readonly player: Player;
  /** Server: balancers (addresses or CIDR ranges) whose PROXY header names the real client. */
  readonly trustProxy?: readonly string[];
}

/** Options of {@link ticTacToeClient}. */
export interface TicTacToeClientOptions extends TicTacToeOptions {
  /**
   * How long to wait for the server to start the game (connect, then its `welcome` line) before
   * failing with `TIMEOUT` (default 5000 ms). Once the game has started the client waits for the
   * other person as long as they take.
   */
  readonly welcomeTimeoutMs?: number;
}

/** Longest line either side accepts: a move is about 30 bytes, a state about 50. */
const MAX_LINE = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const toLine = (text: string): Uint8Array => new TextEncoder().encode(`${text}\n`);

function textLines(conn: TcpConnection): Observable<string> {
  return conn.bytes.pipe(
    lines({ maxFrameLength: MAX_LINE, atEnd: 'emit' }),
    map((bytes) => utf8.decode(bytes)),
  );
}

/**
 * Hosts a game of tic-tac-toe: this terminal plays X (and moves first), the first client to connect
 * plays O. The server is the referee: it decodes every line with an Effect `Schema` and checks the
 * rules; a malformed or illegal move gets an `error` line and the game goes on. Later clients are
 * told a game is in progress. Completes when the game ends (or the opponent leaves).
 *
 * @example
 * ```ts
 * ticTacToeServer({ port: 0, player: scriptedPlayer(['5', '1', '9']) }).subscribe();
 * ```
 */
export function ticTacToeServer(options: TicTacToeOptions): Observable<TicTacToeEvent> {
  const { host = '127.0.0.1', port = 1060, log = defaultLog } = options;
  const say = messages(options.lang).ticTacToe;
  const trusted = options.trustProxy ?? [];
  return listenTcp({ host, port, ...(trusted.length > 0 ? { proxyProtocol: { trusted } } : {}) }).pipe(
    tap((listener) => log(say.listening(pyAddress(listener.local)))),
    switchMap((listener) =>
      listener.connections.pipe(
        mergeMap((conn, index) =>
          index === 0
            ? hostGame(conn, options.player, options.lang, log)
            : conn.send(toLine(serverLine({ type: 'error', reason: say.busy() }))).pipe(
                ignoreElements(),
                finalize(() => conn.close()),
              ),
        ),
        startWith({ type: 'listening', local: listener.local } as const),
      ),
    ),
    takeWhile((e) => e.type !== 'over' && e.type !== 'abandoned', true),
  );
}

function hostGame(
  conn: TcpConnection,
  player: Player,
  lang: Lang | undefined,
  log: Log,
): Observable<TicTacToeEvent> {
  const say = messages(lang).ticTacToe;
  const local: Mark = 'X';
  const remote: Mark = 'O';
  return new Observable<TicTacToeEvent>((subscriber) => {
    const subs = new Subscription();
    let game = newGame();

    // A send can only fail because the opponent is gone: that ends the game, not the server.
    const send = (message: ServerMessage, then?: () => void) =>
      subs.add(
        conn.send(toLine(serverLine(message))).subscribe({
          error: () => (then ? then() : leave()),
          complete: () => then?.(),
        }),
      );
    const sendState = () => send({ type: 'state', board: boardToString(game.board), turn: game.turn });

    const advance = (next: Game, mark: Mark, square: number) => {
      game = next;
      subscriber.next({ type: 'moved', mark, square, board: boardToString(game.board) });
      log(renderBoard(game.board));
      const result = game.result;
      if (result !== null) {
        log(result === 'draw' ? say.draw() : say.won(result));
        send({ type: 'over', board: boardToString(game.board), result }, () => {
          subscriber.next({ type: 'over', board: boardToString(game.board), result });
          subscriber.complete();
        });
        return;
      }
      sendState();
      if (game.turn === local) askLocal();
      else log(say.theirTurn(remote));
    };

    // The referee: every move line, the local player's too, goes through the schema, then the rules.
    const judge = (line: string, mark: Mark, onRefused: (reason: string) => void) =>
      Either.match(
        Either.flatMap(decodeMove(line), (m) =>
          Either.map(play(game, mark, m.square), (next) => ({ next, square: m.square })),
        ),
        {
          onLeft: (reason) => {
            log(say.error(reason));
            subscriber.next({ type: 'refused', mark, reason });
            onRefused(reason);
          },
          onRight: ({ next, square }) => advance(next, mark, square),
        },
      );

    const askLocal = () => {
      log(say.yourTurn(local));
      subs.add(
        player(game, local)
          .pipe(first())
          .subscribe({
            next: (typed) => judge(moveLine(typed), local, askLocal),
            error: (e) => subscriber.error(e),
          }),
      );
    };

    const onRemoteLine = (line: string) =>
      judge(line, remote, (reason) => {
        send({ type: 'error', reason });
        sendState();
      });

    const leave = () => {
      if (game.result !== null || subscriber.closed) return;
      log(say.left());
      subscriber.next({ type: 'abandoned' });
      subscriber.complete();
    };

    subscriber.next({ type: 'started', you: local, opponent: conn.remote });
    log(say.connected(pyAddress(conn.remote), local));
    send({ type: 'welcome', you: remote });
    sendState();
    subs.add(
      textLines(conn).subscribe({
        next: onRemoteLine,
        error: () => leave(),
        complete: () => leave(),
      }),
    );
    log(renderBoard(game.board));
    askLocal();

    return () => {
      subs.unsubscribe();
      conn.close();
    };
  });
}

/**
 * Joins a game hosted by {@link ticTacToeServer} and plays O: prints the board, asks the player for
 * a move when it is O's turn, shows the referee's refusals. Completes when the game ends; fails with
 * `TIMEOUT` if the server does not start the game within `welcomeTimeoutMs`.
 *
 * @example
 * ```ts
 * ticTacToeClient({ host: '127.0.0.1', port: 1060, player: scriptedPlayer(['1', '3']) }).subscribe();
 * ```
 */
export function ticTacToeClient(options: TicTacToeClientOptions): Observable<TicTacToeEvent> {
  const { host = '127.0.0.1', port = 1060, welcomeTimeoutMs = 5000, log = defaultLog } = options;
  const say = messages(options.lang).ticTacToe;
  return connectTcp({ host, port }).pipe(
    switchMap(
      (conn) =>
        new Observable<TicTacToeEvent>((subscriber) => {
          const subs = new Subscription();
          let you: Mark | undefined;
          let over = false;

          const onMessage = (message: ServerMessage) => {
            switch (message.type) {
              case 'welcome':
                you = message.you;
                log(say.connected(pyAddress(conn.remote), message.you));
                subscriber.next({ type: 'started', you: message.you, opponent: conn.remote });
                return;
              case 'state': {
                log(renderBoard(boardFromString(message.board)));
                if (message.turn !== you) {
                  log(say.theirTurn(message.turn));
                  return;
                }
                log(say.yourTurn(message.turn));
                const game: Game = {
                  board: boardFromString(message.board),
                  turn: message.turn,
                  result: null,
                };
                subs.add(
                  options
                    .player(game, message.turn)
                    .pipe(
                      first(),
                      mergeMap((typed) => conn.send(toLine(moveLine(typed)))),
                    )
                    .subscribe({ error: (e) => subscriber.error(e) }),
                );
                return;
              }
              case 'error':
                log(say.error(message.reason));
                if (you !== undefined)
                  subscriber.next({ type: 'refused', mark: you, reason: message.reason });
                return;
              case 'over':
                over = true;
                log(renderBoard(boardFromString(message.board)));
                log(message.result === 'draw' ? say.draw() : say.won(message.result));
                subscriber.next({ type: 'over', board: message.board, result: message.result });
                subscriber.complete();
                return;
            }
          };

          subs.add(
            textLines(conn).subscribe({
              next: (line) =>
                Either.match(decodeServerMessage(line), {
                  onLeft: (reason) => log(say.error(reason)),
                  onRight: onMessage,
                }),
              error: (e) => subscriber.error(e),
              complete: () => {
                if (over) return;
                log(say.left());
                subscriber.next({ type: 'abandoned' });
                subscriber.complete();
              },
            }),
          );
          return () => {
            subs.unsubscribe();
            conn.close();
          };
        }),
    ),
    takeWhile((e) => e.type !== 'over' && e.type !== 'abandoned', true),
    // The first event is `started` (the welcome) or the end of a refused connection.
    timeout({
      first: welcomeTimeoutMs,
      with: () => throwError(() => noAnswerAt(host, port, welcomeTimeoutMs)),
    }),
  );
}
