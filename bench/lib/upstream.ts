/**
 * The upstream calls of the workload made directly with undici: what the floor process makes,
 * what the passthrough makes inside its handler and the bare Apollo subgraph from its resolvers. The `fields` selections are the
 * ones `src/horizon/endpoints/` sends, so every variant moves the same bytes.
 */
import { Pool } from 'undici';
import { LEADERBOARD, type PlayerResult } from './workload.ts';

export const PROGRESS_FIELDS =
  'id,is_unlocked,unlock_time,count_progress,bitfield_progress,definition{api_name,achievement_type,target,bitfield_length}';
export const ENTRY_FIELDS =
  'id,rank,score,timestamp,extra_data_base64,supplementary_metric{id,metric},user{id,alias,display_name,profile_url}';

/**
 * Connections of the pools of the floor, the passthrough and the bare Apollo subgraph when the
 * runner does not say: the subgraph's default `HORIZON_MAX_CONNECTIONS`, enough for every call of
 * every request in flight in any scenario to go at once (10 connections × 21 calls, or 1 × 101),
 * which is what makes the floor one round trip. The runner passes the subgraph's own setting.
 */
export const DIRECT_POOL_CONNECTIONS = 256;

const ACHIEVEMENTS_QUERY = new URLSearchParams({ fields: PROGRESS_FIELDS }).toString();

export type Row = Record<string, unknown>;

/** A pool and the app token for the emulator at `baseUrl`. */
export class DirectUpstream {
  readonly #pool: Pool;
  readonly #authorization: string;

  constructor(
    baseUrl: string,
    app: { id: string; secret: string },
    connections: number = DIRECT_POOL_CONNECTIONS,
  ) {
    this.#pool = new Pool(baseUrl, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
    this.#authorization = `Bearer OC|${app.id}|${app.secret}`;
  }

  /** N achievements calls and one USER_IDS entries call, all at once; the raw rows. */
  async players(ids: readonly string[]): Promise<{ achievements: Row[][]; entries: Row[] }> {
    const [entries, ...achievements] = await Promise.all([
      this.entries(ids),
      ...ids.map((id) => this.achievements(id)),
    ]);
    return { achievements, entries: entries! };
  }

  /** One player's achievement progress rows (`GET /{user_id}/achievements`). */
  achievements(id: string): Promise<Row[]> {
    return this.#rows(`/${encodeURIComponent(id)}/achievements?${ACHIEVEMENTS_QUERY}`);
  }

  /** The entries of these players on a leaderboard (the workload's), in one `USER_IDS` call. */
  entries(ids: readonly string[], leaderboard = LEADERBOARD): Promise<Row[]> {
    const query = new URLSearchParams({
      api_name: leaderboard,
      filter: 'USER_IDS',
      user_ids: JSON.stringify(ids),
      limit: String(ids.length),
      fields: ENTRY_FIELDS,
    });
    return this.#rows(`/leaderboard_entries?${query}`);
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
      achievements: rows.achievements[i]!.map(toAchievement),
      leaderboardEntry: entry ? toEntry(entry) : null,
    };
  });
}

/** One achievement progress row as the GraphQL answer shows it. */
export function toAchievement(row: Row): NonNullable<PlayerResult['achievements']>[number] {
  const definition = (row.definition ?? {}) as Row;
  const unlockTime = Number(row.unlock_time ?? 0);
  return {
    apiName: String(definition.api_name),
    isUnlocked: row.is_unlocked === true,
    unlockedAt: row.is_unlocked === true && unlockTime > 0 ? new Date(unlockTime * 1000).toISOString() : null,
    count: String(definition.achievement_type).toUpperCase() === 'COUNT' ? String(row.count_progress) : null,
  };
}

/** One leaderboard entry row as the GraphQL answer shows it. */
export function toEntry(entry: Row): NonNullable<PlayerResult['leaderboardEntry']> {
  return { rank: Number(entry.rank), score: String(entry.score) };
}
