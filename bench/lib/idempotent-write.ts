/**
 * The workload of S5: one idempotent write per request, `addAchievementCount` with a fresh
 * `idempotencyKey` each time, so that every request claims its key, makes its one upstream write
 * and stores the outcome (claim + complete), as a first attempt does in production.
 *
 * The emulator's state stays valid however many writes a run makes: the achievement is COUNT with
 * a target above 2^53 (`LIFETIME_DISTANCE_METERS`), so adding 1 never unlocks it and every write
 * answers alike (`justUnlocked: false`); the count saturates at the int64 maximum. The players are
 * demo users `…0201`–`…1200`, who have no achievement progress in the fixture and are never read
 * by S1–S4, so the rows these writes create change nothing the other scenarios measure.
 */
import type { Workload } from './workload.ts';

/** SERVER_AUTHORITATIVE COUNT, target 9,007,199,254,740,993 (fixtures/README.md). */
export const WRITE_ACHIEVEMENT = 'LIFETIME_DISTANCE_METERS';

/** The scope the mutation needs (README, "Who may call what"). */
export const WRITE_SCOPE = 'horizon:achievements:write';

/** The API's minimum per write: one `POST /{user_id}/achievements` (the definitions are cached). */
export const WRITE_MINIMUM_CALLS = 1;

const FIRST_PLAYER = 201;
const PLAYERS = 1000;

export const MUTATION = `mutation Write($userId: ID!, $apiName: String!, $count: Int64!, $key: String) {
  addAchievementCount(userId: $userId, apiName: $apiName, count: $count, idempotencyKey: $key) {
    apiName
    justUnlocked
  }
}`;

/** The player written by request `seq`. */
export function writePlayer(seq: number): string {
  return `1${String(FIRST_PLAYER + (seq % PLAYERS)).padStart(15, '0')}`;
}

/**
 * Request `seq` of a run: its own key (`runId` tells runs apart, `seq` requests), count 1. `n` is
 * unused (one write per request).
 */
export function idempotentWriteWorkload(runId: string): Workload {
  return {
    body: (seq) =>
      JSON.stringify({
        operationName: 'Write',
        query: MUTATION,
        variables: {
          userId: writePlayer(seq),
          apiName: WRITE_ACHIEVEMENT,
          count: '1',
          key: `${runId}-${seq}`,
        },
      }),
    check: checkWrite,
  };
}

/** HTTP 200, no `errors`, the achievement written and not unlocked. */
export function checkWrite(status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  let json: {
    data?: { addAchievementCount?: { apiName?: string; justUnlocked?: boolean } } | null;
    errors?: unknown[];
  };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
  if (json.errors !== undefined) return `errors: ${JSON.stringify(json.errors).slice(0, 300)}`;
  const update = json.data?.addAchievementCount;
  if (update?.apiName !== WRITE_ACHIEVEMENT || update.justUnlocked !== false)
    return `unexpected answer: ${body.slice(0, 200)}`;
  return undefined;
}
