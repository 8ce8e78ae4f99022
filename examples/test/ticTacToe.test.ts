import { trackHandles } from '@porta/core/testing';
import { connectTcp, type TcpConnection } from '@porta/tcp';
import { Either } from 'effect';
import fc from 'fast-check';
import {
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  Observable,
  type Subscription,
  switchMap,
  take,
  toArray,
} from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  boardFromString,
  boardToString,
  decodeMove,
  decodeServerMessage,
  type Game,
  moveLine,
  newGame,
  play,
  renderBoard,
  resultOf,
  scriptedPlayer,
  serverLine,
  type TicTacToeEvent,
  ticTacToeClient,
  ticTacToeServer,
  withServer,
} from '../src/index.js';

trackHandles();

const quiet = () => {};
const playAll = (moves: readonly [mark: 'X' | 'O', square: number][]): Game =>
  moves.reduce((game, [mark, square]) => Either.getOrThrow(play(game, mark, square)), newGame());

describe('tic-tac-toe rules', () => {
  it('X moves first, turns alternate, a line of three wins', () => {
    const game = playAll([
      ['X', 1],
      ['O', 4],
      ['X', 2],
      ['O', 5],
      ['X', 3],
    ]);
    expect(game.result).toBe('X');
    expect(boardToString(game.board)).toBe('XXXOO....');
  });

  it('a full board without a line is a draw', () => {
    const game = playAll([
      ['X', 1],
      ['O', 2],
      ['X', 3],
      ['O', 5],
      ['X', 4],
      ['O', 6],
      ['X', 8],
      ['O', 7],
      ['X', 9],
    ]);
    expect(game.result).toBe('draw');
  });

  it.each([
    [[], 'O', 5, 'it is not your turn: X is to move'],
    [[['X', 5]], 'O', 5, 'square 5 is already taken by X'],
    [[], 'X', 10, 'square must be from 1 to 9, got 10'],
    [
      [
        ['X', 1],
        ['O', 4],
        ['X', 2],
        ['O', 5],
        ['X', 3],
      ],
      'O',
      9,
      'the game is over',
    ],
  ] as const)('refuses an illegal move with the reason (%#)', (moves, mark, square, reason) => {
    const before = playAll(moves as unknown as [mark: 'X' | 'O', square: number][]);
    expect(play(before, mark, square)).toEqual(Either.left(reason));
  });

  it('property: any sequence of legal moves keeps the board consistent', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 30 }), (squares) => {
        let game = newGame();
        for (const square of squares) {
          const next = play(game, game.turn, square);
          if (Either.isRight(next)) {
            expect(next.right.board.filter((s) => s !== null).length).toBe(
              game.board.filter((s) => s !== null).length + 1,
            );
            game = next.right;
          }
        }
        const xs = game.board.filter((s) => s === 'X').length;
        const os = game.board.filter((s) => s === 'O').length;
        expect(xs - os === 0 || xs - os === 1).toBe(true);
        expect(resultOf(game.board)).toBe(game.result);
        expect(boardFromString(boardToString(game.board))).toEqual(game.board);
      }),
    );
  });

  it('draws empty squares with their numbers', () => {
    expect(renderBoard(boardFromString('X...O....'))).toBe(
      ' X | 2 | 3\n---+---+---\n 4 | O | 6\n---+---+---\n 7 | 8 | 9',
    );
  });
});

describe('tic-tac-toe protocol (Effect Schema)', () => {
  it.each([
    ['{"type":"move","square":10}', 'malformed move: square: must be a whole number from 1 to 9, got 10'],
    [
      '{"type":"move","square":"banana"}',
      'malformed move: square: must be a whole number from 1 to 9, got "banana"',
    ],
    ['{"type":"move","square":2.5}', 'malformed move: square: must be a whole number from 1 to 9, got 2.5'],
    ['{"type":"move"}', 'malformed move: square: is missing'],
    ['{"type":"jump","square":1}', 'malformed move: type: Expected "move", actual "jump"'],
  ])('%s → a clear one-line error', (line, reason) => {
    expect(decodeMove(line)).toEqual(Either.left(reason));
  });

  it('a line that is not JSON says so', () => {
    const result = decodeMove('hello');
    expect(Either.isLeft(result) && result.left).toMatch(/^malformed move: .*not valid JSON/);
  });

  it('property: every square typed by a person round-trips through the wire form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.constantFrom('', ' ', '  '), (square, pad) => {
        expect(decodeMove(moveLine(`${pad}${square}${pad}`))).toEqual(Either.right({ type: 'move', square }));
      }),
    );
  });

  it('property: decoding never throws, and anything accepted is a square from 1 to 9', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        const result = decodeMove(line);
        if (Either.isRight(result)) expect(result.right.square >= 1 && result.right.square <= 9).toBe(true);
        else expect(result.left).toMatch(/^malformed move: /);
      }),
    );
  });

  it('property: server messages round-trip', () => {
    const board = fc
      .array(fc.constantFrom('X', 'O', '.'), { minLength: 9, maxLength: 9 })
      .map((a) => a.join(''));
    const mark = fc.constantFrom('X' as const, 'O' as const);
    const message = fc.oneof(
      mark.map((you) => ({ type: 'welcome' as const, you })),
      fc.record({ type: fc.constant('state' as const), board, turn: mark }),
      fc.record({ type: fc.constant('error' as const), reason: fc.string() }),
      fc.record({
        type: fc.constant('over' as const),
        board,
        result: fc.constantFrom('X' as const, 'O' as const, 'draw' as const),
      }),
    );
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeServerMessage(serverLine(m))).toEqual(Either.right(m));
      }),
    );
  });
});

describe('tic-tac-toe over TCP', () => {
  const running: Subscription[] = [];
  afterEach(() => {
    for (const s of running.splice(0)) s.unsubscribe();
  });

  it('plays a whole game between server (X) and client (O); refused moves do not stop it', async () => {
    const serverEvents: TicTacToeEvent[] = [];
    const clientEvents = await lastValueFrom(
      withServer(
        ticTacToeServer({ port: 0, log: quiet, player: scriptedPlayer(['5', 'nine', '1', '9']) }).pipe(
          map((e) => {
            serverEvents.push(e);
            return e;
          }),
        ),
        (local) =>
          ticTacToeClient({
            port: local.port,
            log: quiet,
            player: scriptedPlayer(['banana', '5', '2', '3']),
          }).pipe(toArray()),
      ),
    );
    expect(clientEvents[0]).toMatchObject({ type: 'started', you: 'O' });
    expect(
      clientEvents.filter((e) => e.type === 'refused').map((e) => e.type === 'refused' && e.reason),
    ).toEqual([
      'malformed move: square: must be a whole number from 1 to 9, got "banana"',
      'square 5 is already taken by X',
    ]);
    expect(clientEvents.at(-1)).toEqual({ type: 'over', board: 'XOO.X...X', result: 'X' });
    // The local player's bad input is refused by the same rules.
    expect(serverEvents).toContainEqual({
      type: 'refused',
      mark: 'X',
      reason: 'malformed move: square: must be a whole number from 1 to 9, got "nine"',
    });
  });

  /** Connects a raw TCP peer to a game server, to speak the protocol by hand. */
  function rawPeer(port: number): Observable<{ conn: TcpConnection; lines: Observable<string> }> {
    return connectTcp({ host: '127.0.0.1', port }).pipe(
      map((conn) => {
        let buffered = '';
        const lines = new Observable<string>((subscriber) =>
          conn.bytes.subscribe({
            next: (chunk) => {
              buffered += new TextDecoder().decode(chunk);
              let at = buffered.indexOf('\n');
              while (at >= 0) {
                subscriber.next(buffered.slice(0, at));
                buffered = buffered.slice(at + 1);
                at = buffered.indexOf('\n');
              }
            },
            error: (e) => subscriber.error(e),
            complete: () => subscriber.complete(),
          }),
        );
        return { conn, lines };
      }),
    );
  }

  it('answers a line that is not JSON, and an out-of-turn move, with error lines; the game goes on', async () => {
    // X (server) waits for a move that never comes, so it stays X's turn: the client is out of turn.
    const replies = await firstValueFrom(
      withServer(ticTacToeServer({ port: 0, log: quiet, player: () => new Observable<string>() }), (local) =>
        rawPeer(local.port).pipe(
          switchMap(({ conn, lines }) => {
            conn.send(new TextEncoder().encode('hello\n{"type":"move","square":3}\n')).subscribe();
            return lines.pipe(
              filter((l) => l.includes('"error"')),
              take(2),
              toArray(),
            );
          }),
        ),
      ),
    );
    expect(replies.map((l) => JSON.parse(l).reason)).toEqual([
      expect.stringMatching(/^malformed move: .*not valid JSON/),
      'it is not your turn: X is to move',
    ]);
  });

  it('tells a second client that a game is in progress', async () => {
    const line = await firstValueFrom(
      withServer(ticTacToeServer({ port: 0, log: quiet, player: () => new Observable<string>() }), (local) =>
        rawPeer(local.port).pipe(
          switchMap(() => rawPeer(local.port)),
          switchMap(({ lines }) => lines.pipe(take(1))),
        ),
      ),
    );
    expect(JSON.parse(line)).toEqual({
      type: 'error',
      reason: 'a game is already in progress: try again later',
    });
  });

  it('reports an opponent who leaves before the end', async () => {
    const events = await lastValueFrom(
      ticTacToeServer({ port: 0, log: quiet, player: () => new Observable<string>() }).pipe(
        switchMap((e) =>
          e.type === 'listening'
            ? rawPeer(e.local.port).pipe(
                switchMap(({ conn, lines }) =>
                  lines.pipe(
                    take(2),
                    toArray(),
                    map(() => conn.close()),
                  ),
                ),
                map(() => e),
              )
            : [e],
        ),
        toArray(),
      ),
    );
    expect(events.at(-1)).toEqual({ type: 'abandoned' });
  });
});
