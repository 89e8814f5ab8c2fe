import { createHash } from 'node:crypto';
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
  /** The players a USER_IDS view lists: a cursor is only valid for the same players. */
  userIds?: readonly string[];
}

/** The largest offset upstream accepts (a 32-bit integer): no view is longer. */
export const MAX_CURSOR_POSITION = 2 ** 31 - 1;

export function encodeCursor(cursor: EntryCursor): string {
  const json = { v: 1, b: cursor.board, f: cursor.view, p: cursor.position, u: playersOf(cursor.userIds) };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/**
 * Decodes `after`, checking it belongs to the same leaderboard, view and players, and that its
 * position lies within the view (`size` entries, when known).
 */
export function decodeCursor(
  value: string,
  expected: Omit<EntryCursor, 'position'>,
  size?: number,
): EntryCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { v?: unknown; b?: unknown; f?: unknown; p?: unknown; u?: unknown } | undefined;
  if (!c || c.v !== 1 || !Number.isSafeInteger(c.p) || (c.p as number) < 0) {
    throw badUserInput('after is not a cursor this subgraph issued', 'after');
  }
  if (c.b !== expected.board || c.f !== expected.view || (c.u ?? undefined) !== playersOf(expected.userIds)) {
    throw badUserInput('after is a cursor of another leaderboard, filter or list of userIds', 'after');
  }
  const position = c.p as number;
  if (position >= Math.min(size ?? MAX_CURSOR_POSITION, MAX_CURSOR_POSITION)) {
    throw badUserInput('after points past the end of the entries', 'after');
  }
  return { ...expected, position };
}

/** A short digest of the listed players (in any order), or undefined for other views. */
function playersOf(userIds: readonly string[] | undefined): string | undefined {
  if (!userIds) return undefined;
  return createHash('sha256')
    .update([...userIds].sort().join(','))
    .digest('base64url')
    .slice(0, 16);
}
