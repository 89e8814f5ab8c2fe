import { badUserInput } from '../errors.ts';

/**
 * Relay cursors for leaderboard entries. A cursor is our own opaque value: the view it belongs
 * to and the 0-based position of the entry in that view. It never carries an upstream cursor or
 * token, so it is safe to log and to hand to any client.
 */
/** The ranking a cursor's position counts in: global (VIEWER pages continue it), friends, or listed players. */
export type EntriesView = 'NONE' | 'FRIENDS' | 'USER_IDS';

export interface EntryCursor {
  /** Leaderboard api_name. */
  board: string;
  /** The view the position counts in. */
  view: EntriesView;
  /** 0-based position of the entry in that view. */
  position: number;
}

export function encodeCursor(cursor: EntryCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, b: cursor.board, f: cursor.view, p: cursor.position })).toString(
    'base64url',
  );
}

/** Decodes `after`, checking it belongs to the same leaderboard and view. */
export function decodeCursor(value: string, board: string, view: EntriesView): EntryCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { v?: unknown; b?: unknown; f?: unknown; p?: unknown } | undefined;
  if (!c || c.v !== 1 || typeof c.p !== 'number' || !Number.isInteger(c.p) || c.p < 0) {
    throw badUserInput('after is not a cursor this subgraph issued', 'after');
  }
  if (c.b !== board || c.f !== view) {
    throw badUserInput('after is a cursor of another leaderboard or filter', 'after');
  }
  return { board, view, position: c.p };
}
