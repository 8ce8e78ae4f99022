import type { Socket } from 'node:net';

/** What coalescing a turn's sends needs of a connection (its core keeps the two counters). */
export interface TurnSender {
  readonly socket: Socket;
  /** The turn of its last `send`. */
  sendTurn: number;
  /** Bytes written since it corked the socket this turn; -1 while not corked. */
  corkedBytes: number;
  /** Sends whose write has not called back yet. */
  sendsInFlight: number;
}

// One turn of the event loop, as far as sends care: it ends at the next microtask checkpoint. One
// shared microtask per turn (not one per connection or per send) ends it and uncorks the sockets
// that a burst corked.
let turn = 0;
let turnEnds = false;
const corked: TurnSender[] = [];

function endTurn(): void {
  turnEnds = false;
  turn++;
  for (const sender of corked.splice(0)) uncork(sender);
}

function uncork(sender: TurnSender): void {
  if (sender.corkedBytes < 0) return;
  sender.corkedBytes = -1;
  sender.socket.uncork();
}

/**
 * Before a `send`'s write. The first send of a turn is written at once, as ever; a second one in
 * the same turn, while the first is still in flight, corks the socket, so it and every later one of
 * the turn go to the OS in one write (Node's writev) when the turn ends — a burst of N sends costs
 * two system calls, not N. A send made after the previous one called back (the actor's replies,
 * one at a time) is not held back.
 */
export function beforeSend(sender: TurnSender): void {
  if (!turnEnds) {
    turnEnds = true;
    queueMicrotask(endTurn);
  }
  if (sender.sendTurn !== turn) {
    sender.sendTurn = turn;
    return;
  }
  if (sender.corkedBytes < 0 && sender.sendsInFlight > 0) {
    sender.socket.cork();
    sender.corkedBytes = 0;
    corked.push(sender);
  }
}

/** After that write: once `limit` bytes are corked, they go now, as one write. */
export function afterSend(sender: TurnSender, bytes: number, limit: number): void {
  if (sender.corkedBytes < 0) return;
  sender.corkedBytes += bytes;
  if (sender.corkedBytes >= limit) uncork(sender);
}
