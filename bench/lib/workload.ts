/**
 * The one query every variant answers: for N players, their achievements and their entry on
 * `GLOBAL_HIGH_SCORE`. The API's minimum for it is N `GET /{user_id}/achievements` calls plus one
 * `GET /leaderboard_entries?filter=USER_IDS` call. Each request gets a unique id and its own
 * window of players (rotating over the demo users that have achievements), so nothing can be
 * deduplicated or cached across requests by accident.
 */

/** What a variant sends and how it checks the answer: the body of request `seq`, the check. */
export interface Workload {
  body(seq: number, n: number): string;
  /** What is wrong with one answer, or undefined when it is right. */
  check(status: number, body: string, n: number): string | undefined;
}

/** The leaderboard every request reads. */
export const LEADERBOARD = 'GLOBAL_HIGH_SCORE';

/** Demo users `…0001`–`…0200` have achievement progress (fixtures/README.md). */
const PLAYER_POOL = 200;

/** The GraphQL operation (subgraph and naive). */
export const QUERY = `query Players($ids: [ID!]!) {
  users(ids: $ids) {
    id
    achievements { apiName isUnlocked unlockedAt count }
    leaderboardEntry(leaderboard: "${LEADERBOARD}") { rank score }
  }
}`;

/** The players of request `seq`: N distinct ids, a window that moves with every request. */
export function playersFor(seq: number, n: number): string[] {
  if (n < 1 || n > PLAYER_POOL) throw new RangeError(`N must be 1..${PLAYER_POOL}`);
  const start = (seq * 37) % PLAYER_POOL;
  return Array.from({ length: n }, (_, i) => `1${String(((start + i) % PLAYER_POOL) + 1).padStart(15, '0')}`);
}

/** The HTTP body of request `seq` (the passthrough reads the same body). */
export function requestBody(seq: number, n: number): string {
  return JSON.stringify({ operationName: 'Players', query: QUERY, variables: { ids: playersFor(seq, n) } });
}

/** The API's minimum number of upstream calls for N players. */
export function apiMinimumCalls(n: number): number {
  return n + 1;
}

/** What one answered player looks like in every variant's response. */
export interface PlayerResult {
  id: string;
  achievements:
    { apiName: string; isUnlocked: boolean; unlockedAt: string | null; count: string | null }[] | null;
  leaderboardEntry: { rank: number; score: string } | null;
}

/**
 * Checks one response: HTTP 200, JSON, no `errors`, and one player per id asked. Returns what is
 * wrong, or undefined when it is right.
 */
export function checkResponse(status: number, body: string, n: number): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  let json: { data?: { users?: PlayerResult[] } | null; errors?: unknown[] };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
  if (json.errors !== undefined) return `errors: ${JSON.stringify(json.errors).slice(0, 300)}`;
  const users = json.data?.users;
  if (!Array.isArray(users) || users.length !== n) return `expected ${n} users, got ${body.slice(0, 200)}`;
  if (users.some((user) => user === null || !Array.isArray(user.achievements)))
    return 'a player without achievements';
  return undefined;
}

/** The read of S1–S4: N players, their achievements and their leaderboard entry. */
export const playersWorkload: Workload = { body: requestBody, check: checkResponse };
