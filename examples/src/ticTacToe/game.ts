import { Either } from 'effect';

/** A player's mark. X always moves first. */
export type Mark = 'X' | 'O';

/** One square: a mark or empty. */
export type Square = Mark | null;

/** A game position. Squares are numbered 1..9 on screen, row by row; `board[0]` is square 1. */
export interface Game {
  readonly board: readonly Square[];
  readonly turn: Mark;
  /** The winner, `'draw'` on a full board without one, `null` while the game goes on. */
  readonly result: Mark | 'draw' | null;
}

const LINES = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
] as const;

/**
 * An empty board, X to move.
 *
 * @example
 * ```ts
 * const game = newGame(); // game.turn === 'X'
 * ```
 */
export function newGame(): Game {
  return { board: Array<Square>(9).fill(null), turn: 'X', result: null };
}

/**
 * The other player.
 *
 * @example
 * ```ts
 * opponent('X'); // 'O'
 * ```
 */
export function opponent(mark: Mark): Mark {
  return mark === 'X' ? 'O' : 'X';
}

/**
 * Plays `mark` on `square` (1..9) if the rules allow it: the game is not over, it is `mark`'s turn,
 * the square exists and is empty. Returns the new position, or the reason the move is illegal.
 *
 * @example
 * ```ts
 * Either.getOrThrow(play(newGame(), 'X', 5)).board[4]; // 'X'
 * ```
 */
export function play(game: Game, mark: Mark, square: number): Either.Either<Game, string> {
  if (game.result !== null) return Either.left('the game is over');
  if (mark !== game.turn) return Either.left(`it is not your turn: ${game.turn} is to move`);
  if (!Number.isInteger(square) || square < 1 || square > 9) {
    return Either.left(`square must be from 1 to 9, got ${square}`);
  }
  const taken = game.board[square - 1];
  if (taken) return Either.left(`square ${square} is already taken by ${taken}`);
  const board = game.board.map((s, i) => (i === square - 1 ? mark : s));
  return Either.right({ board, turn: opponent(mark), result: resultOf(board) });
}

/**
 * The winner of a board, `'draw'` when it is full without one, else `null`.
 *
 * @example
 * ```ts
 * resultOf(boardFromString('XXXOO....')); // 'X'
 * ```
 */
export function resultOf(board: readonly Square[]): Mark | 'draw' | null {
  for (const [a, b, c] of LINES) {
    const s = board[a];
    if (s && s === board[b] && s === board[c]) return s;
  }
  return board.every((s) => s !== null) ? 'draw' : null;
}

/**
 * The board as 9 characters, `X`, `O` or `.`, row by row: its form on the wire.
 *
 * @example
 * ```ts
 * boardToString(newGame().board); // '.........'
 * ```
 */
export function boardToString(board: readonly Square[]): string {
  return board.map((s) => s ?? '.').join('');
}

/**
 * Parses the wire form of a board (see {@link boardToString}).
 *
 * @example
 * ```ts
 * boardFromString('X........')[0]; // 'X'
 * ```
 */
export function boardFromString(text: string): Square[] {
  return Array.from(text, (ch) => (ch === 'X' || ch === 'O' ? ch : null));
}

/**
 * The board for a terminal: empty squares show their number, so a player sees what to type.
 *
 * @example
 * ```ts
 * renderBoard(newGame().board);
 * // " 1 | 2 | 3\n---+---+---\n 4 | 5 | 6\n---+---+---\n 7 | 8 | 9"
 * ```
 */
export function renderBoard(board: readonly Square[]): string {
  const row = (r: number) => [0, 1, 2].map((c) => ` ${board[r * 3 + c] ?? r * 3 + c + 1}`).join(' |');
  return [row(0), row(1), row(2)].join('\n---+---+---\n');
}
