/**
 * The upstream calls of the workload made directly with undici: what the floor does from the
 * bench process and what the passthrough does inside its handler. The `fields` selections are the
 * ones `src/horizon/endpoints/` sends, so every variant moves the same bytes.
 */
import { Pool } from 'undici';
import { LEADERBOARD, type PlayerResult } from './workload.ts';

const PROGRESS_FIELDS =
  'id,is_unlocked,unlock_time,count_progress,bitfield_progress,definition{api_name,achievement_type,target,bitfield_length}';
const ENTRY_FIELDS =
  'id,rank,score,timestamp,extra_data_base64,supplementary_metric{id,metric},user{id,alias,display_name,profile_url}';

/**
 * Connections of the floor's and the passthrough's pools: enough for every call of every request
 * in flight in any scenario to go at once (10 connections × 21 calls, or 1 × 101), which is what
 * makes the floor one round trip.
 */
export const DIRECT_POOL_CONNECTIONS = 256;

type Row = Record<string, unknown>;

/** A pool and the app token for the emulator at `baseUrl`. */
export class DirectUpstream {
  readonly #pool: Pool;
  readonly #authorization: string;

  constructor(baseUrl: string, app: { id: string; secret: string }) {
    this.#pool = new Pool(baseUrl, {
      connections: DIRECT_POOL_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
    this.#authorization = `Bearer OC|${app.id}|${app.secret}`;
  }

  /** N achievements calls and one USER_IDS entries call, all at once; the raw rows. */
  async players(ids: readonly string[]): Promise<{ achievements: Row[][]; entries: Row[] }> {
    const entriesQuery = new URLSearchParams({
      api_name: LEADERBOARD,
      filter: 'USER_IDS',
      user_ids: JSON.stringify(ids),
      limit: String(ids.length),
      fields: ENTRY_FIELDS,
    });
    const achievementsQuery = new URLSearchParams({ fields: PROGRESS_FIELDS }).toString();
    const [entries, ...achievements] = await Promise.all([
      this.#rows(`/leaderboard_entries?${entriesQuery}`),
      ...ids.map((id) => this.#rows(`/${encodeURIComponent(id)}/achievements?${achievementsQuery}`)),
    ]);
    return { achievements, entries: entries! };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async #rows(path: string): Promise<Row[]> {
    const response = await this.#pool.request({
      method: 'GET',
      path,
      headers: { authorization: this.#authorization, accept: 'application/json' },
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`upstream ${path.split('?')[0]}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { data?: Row[] };
    if (!Array.isArray(body.data)) throw new Error(`upstream ${path.split('?')[0]}: no data list`);
    return body.data;
  }
}

/** The rows shaped like the GraphQL answer (what the passthrough returns). */
export function toPlayers(
  ids: readonly string[],
  rows: { achievements: Row[][]; entries: Row[] },
): PlayerResult[] {
  const entryByUser = new Map<string, Row>();
  for (const entry of rows.entries) {
    const user = entry.user as Row | undefined;
    if (typeof user?.id === 'string') entryByUser.set(user.id, entry);
  }
  return ids.map((id, i) => {
    const entry = entryByUser.get(id);
    return {
      id,
      achievements: rows.achievements[i]!.map((row) => {
        const definition = (row.definition ?? {}) as Row;
        const unlockTime = Number(row.unlock_time ?? 0);
        return {
          apiName: String(definition.api_name),
          isUnlocked: row.is_unlocked === true,
          unlockedAt:
            row.is_unlocked === true && unlockTime > 0 ? new Date(unlockTime * 1000).toISOString() : null,
          count:
            String(definition.achievement_type).toUpperCase() === 'COUNT' ? String(row.count_progress) : null,
        };
      }),
      leaderboardEntry: entry ? { rank: Number(entry.rank), score: String(entry.score) } : null,
    };
  });
}
