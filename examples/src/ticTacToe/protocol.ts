import { Either, ParseResult, Schema } from 'effect';

/**
 * The tic-tac-toe wire protocol: one JSON object per line (UTF-8, LF-terminated) over TCP. The
 * server hosts the game and is its referee: it validates every move with these schemas and the
 * rules, answers a malformed or illegal one with an `error` line, and the game goes on.
 *
 * Client → server: `{"type":"move","square":5}`.
 * Server → client: `welcome` (your mark), `state` (board and whose turn), `error` (why a move was
 * refused), `over` (final board and result).
 * @module
 */

const MarkSchema = Schema.Literal('X', 'O');

/** A square number: a whole number from 1 to 9. */
export const SquareSchema = Schema.Int.pipe(Schema.between(1, 9)).annotations({
  message: (issue) => ({
    message: `must be a whole number from 1 to 9, got ${JSON.stringify(actualOf(issue))}`,
    override: true,
  }),
});

function actualOf(issue: ParseResult.ParseIssue): unknown {
  return 'actual' in issue ? issue.actual : undefined;
}

/** A player's move. */
export const Move = Schema.Struct({ type: Schema.Literal('move'), square: SquareSchema });
/** A decoded move. */
export type Move = typeof Move.Type;

const Board = Schema.String.pipe(Schema.pattern(/^[XO.]{9}$/));

/** Everything the server sends. */
export const ServerMessage = Schema.Union(
  Schema.Struct({ type: Schema.Literal('welcome'), you: MarkSchema }),
  Schema.Struct({ type: Schema.Literal('state'), board: Board, turn: MarkSchema }),
  Schema.Struct({ type: Schema.Literal('error'), reason: Schema.String }),
  Schema.Struct({ type: Schema.Literal('over'), board: Board, result: Schema.Literal('X', 'O', 'draw') }),
);
/** A decoded server message. */
export type ServerMessage = typeof ServerMessage.Type;

const decodeMoveLine = Schema.decodeUnknownEither(Schema.parseJson(Move));
const decodeServerLine = Schema.decodeUnknownEither(Schema.parseJson(ServerMessage));

/** One line for a person: `square: square must be ...`, or what made the JSON unreadable. */
function explain(error: ParseResult.ParseError): string {
  return ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Decodes one line from a client. Left: a one-line explanation fit for an `error` reply.
 *
 * @example
 * ```ts
 * decodeMove('{"type":"move","square":10}'); // Left("malformed move: square: must be a whole number from 1 to 9, got 10")
 * ```
 */
export function decodeMove(line: string): Either.Either<Move, string> {
  return Either.mapLeft(decodeMoveLine(line), (e) => `malformed move: ${explain(e)}`);
}

/**
 * Decodes one line from the server. Left: what made it unreadable.
 *
 * @example
 * ```ts
 * decodeServerMessage('{"type":"welcome","you":"O"}'); // Right({ type: 'welcome', you: 'O' })
 * ```
 */
export function decodeServerMessage(line: string): Either.Either<ServerMessage, string> {
  return Either.mapLeft(decodeServerLine(line), (e) => `unreadable message from the server: ${explain(e)}`);
}

/**
 * Turns what a person typed into a move line. Digits become a number; anything else is sent as typed,
 * so the referee (the server) is the one that says what is wrong with it.
 *
 * @example
 * ```ts
 * moveLine(' 5 '); // '{"type":"move","square":5}'
 * ```
 */
export function moveLine(typed: string): string {
  const text = typed.trim();
  return JSON.stringify({ type: 'move', square: /^\d+$/.test(text) ? Number(text) : text });
}

/**
 * Encodes a server message as one line (without its terminator).
 *
 * @example
 * ```ts
 * serverLine({ type: 'error', reason: 'square 5 is already taken by X' });
 * ```
 */
export function serverLine(message: ServerMessage): string {
  return JSON.stringify(message);
}
