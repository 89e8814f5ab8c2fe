/**
 * Big fixtures without big files: `--generate players=100000,entries=1000000` (or the `generate`
 * option of `startEmulator`) adds, on top of the fixture, a leaderboard with `entries` entries and
 * `players` players with achievement progress, purchases and subscriptions. The same options give
 * the same data on every start and every reset (a seeded generator, no clock, no randomness).
 */
import type { EmulatorState, UserRecord } from './state.ts';
import { EntryMap } from './state.ts';
import { mulberry32 } from './seeded-random.ts';

/** What to generate; see `parseGenerateOption`. */
export interface GenerateOptions {
  /** Players with achievements, purchases and subscriptions (the first users). Default 0. */
  players?: number;
  /** Entries of the generated leaderboard; a user is made for each. Default 0 (no leaderboard). */
  entries?: number;
  /** The generated leaderboard's api name. Default `GENERATED_BOARD`. */
  leaderboard?: string;
  /** Seed of the generator. Default 1. */
  seed?: number;
}

/** Largest sizes accepted (memory: about 1 KB per entry in the emulator). */
export const GENERATE_LIMITS = { players: 1_000_000, entries: 5_000_000 } as const;

/** User ids of generated players: `GENERATED_USER_BASE + n`, n from 1 (16 digits like real ids). */
export const GENERATED_USER_BASE = 3_000_000_000_000_000n;
const ENTRY_ID_BASE = 4_000_000_000_000_000n;
const RECORD_ID_BASE = 5_000_000_000_000_000n;

/** Achievements, products and subscription skus the generated players use (added when missing). */
export const GENERATED_ACHIEVEMENTS = ['GEN_FIRST_WIN', 'GEN_COLLECTOR', 'GEN_EXPLORER'] as const;
export const GENERATED_PRODUCTS = ['GEN_SWORD', 'GEN_COINS'] as const;
export const GENERATED_SUBSCRIPTION = 'GEN_PASS';

/** Parses `players=N,entries=N[,leaderboard=NAME][,seed=N]`; throws a `TypeError` saying what is wrong. */
export function parseGenerateOption(text: string): GenerateOptions {
  const options: GenerateOptions = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value = ''] = part.split('=', 2) as [string, string?];
    if (key === 'leaderboard') {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value))
        throw new TypeError(`leaderboard must be an api name, got "${value}"`);
      options.leaderboard = value;
      continue;
    }
    if (key !== 'players' && key !== 'entries' && key !== 'seed') {
      throw new TypeError(`unknown key "${key}": expected players=N,entries=N[,leaderboard=NAME][,seed=N]`);
    }
    const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    const max = key === 'seed' ? 2 ** 31 : GENERATE_LIMITS[key];
    if (!(n <= max)) throw new TypeError(`${key} must be a whole number from 0 to ${max}, got "${value}"`);
    options[key] = n;
  }
  return options;
}

/** Adds the generated data to `state` (built from the fixture). Deterministic for given options. */
export function generateInto(state: EmulatorState, options: GenerateOptions): void {
  const players = options.players ?? 0;
  const entries = options.entries ?? 0;
  if (players > GENERATE_LIMITS.players || entries > GENERATE_LIMITS.entries)
    throw new TypeError(
      `generate: at most ${GENERATE_LIMITS.players} players and ${GENERATE_LIMITS.entries} entries`,
    );
  // Separate streams: the board is the same whatever the number of players, and the reverse.
  const seed = options.seed ?? 1;
  const random = mulberry32(seed);
  const users = Math.max(players, entries);
  const userIds: string[] = new Array<string>(users);
  for (let n = 0; n < users; n++) {
    const id = (GENERATED_USER_BASE + BigInt(n + 1)).toString();
    userIds[n] = id;
    const user: UserRecord = {
      id,
      alias: `gen_player_${n + 1}`,
      friends: [],
      owns_app: true,
      app_grant_time: 1_700_000_000,
    };
    state.users.set(id, user);
  }
  if (players > 0) addPlayerData(state, userIds.slice(0, players), mulberry32(seed + 0x9e3779b9));
  if (entries > 0) {
    const apiName = options.leaderboard ?? 'GENERATED_BOARD';
    const board = {
      id: (RECORD_ID_BASE - 1n).toString(),
      api_name: apiName,
      sort_order: 'HIGHER_IS_BETTER' as const,
      entry_write_policy: 'SERVER_AUTHORITATIVE' as const,
      earliest_allowed_entry_time: 0,
      latest_allowed_entry_time: 0,
      title: 'Generated board',
      entries: new EntryMap(),
    };
    for (let n = 0; n < entries; n++) {
      const userId = userIds[n]!;
      // Scores spread over the whole int64 range in part: some above 2^53 test exactness.
      const high = BigInt(Math.floor(random() * 2 ** 31));
      const low = BigInt(Math.floor(random() * 2 ** 32));
      const score = n % 10 === 0 ? (high << 32n) | low : BigInt(Math.floor(random() * 1_000_000));
      board.entries.set(userId, {
        id: (ENTRY_ID_BASE + BigInt(n + 1)).toString(),
        api_name: apiName,
        user_id: userId,
        score,
        timestamp: 1_700_000_000 + Math.floor(random() * 10_000_000),
        extra_data_base64: n % 7 === 0 ? Buffer.from(`gen,${n}\n"q"`).toString('base64') : undefined,
        supplementary_metric: n % 5 === 0 ? BigInt(n) : undefined,
      });
    }
    state.leaderboards.set(apiName, board);
  }
}

function addPlayerData(state: EmulatorState, userIds: string[], random: () => number): void {
  let next = RECORD_ID_BASE;
  const newId = () => (++next).toString();
  GENERATED_ACHIEVEMENTS.forEach((apiName, i) => {
    if (state.definitions.has(apiName)) return;
    state.definitions.set(apiName, {
      id: newId(),
      api_name: apiName,
      achievement_type: i === 1 ? 'COUNT' : 'SIMPLE',
      achievement_write_policy: 'SERVER_AUTHORITATIVE',
      target: i === 1 ? 10_000_000_000_000_000n : 0n,
      bitfield_length: 0,
      title: apiName,
      is_archived: false,
      is_secret: false,
    });
  });
  for (const [i, sku] of [...GENERATED_PRODUCTS, GENERATED_SUBSCRIPTION].entries()) {
    if (state.products.has(sku)) continue;
    state.products.set(sku, {
      id: newId(),
      sku,
      type: i === 0 ? 'DURABLE' : i === 1 ? 'CONSUMABLE' : 'SUBSCRIPTION',
      name: sku,
    });
  }
  for (const [n, userId] of userIds.entries()) {
    const r = random();
    if (r < 0.8) {
      state.putProgress({
        id: newId(),
        user_id: userId,
        api_name: GENERATED_ACHIEVEMENTS[0],
        count_progress: 0n,
        bitfield_progress: '',
        is_unlocked: true,
        unlock_time: 1_700_000_000 + n,
      });
    }
    if (r < 0.5) {
      state.putProgress({
        id: newId(),
        user_id: userId,
        api_name: GENERATED_ACHIEVEMENTS[1],
        count_progress: 9_007_199_254_740_993n + BigInt(n),
        bitfield_progress: '',
        is_unlocked: false,
        unlock_time: 0,
      });
    }
    if (n % 3 === 0) {
      state.purchases.push({
        id: newId(),
        user_id: userId,
        sku: GENERATED_PRODUCTS[n % 2]!,
        grant_time: 1_700_000_000 + n,
        expiration_time: 0,
      });
    }
    if (n % 4 === 0) {
      state.subscriptions.push({
        id: newId(),
        user_id: userId,
        sku: GENERATED_SUBSCRIPTION,
        period_start_time: Date.UTC(2026, 0, 1),
        period_end_time: Date.UTC(2026, 1, 1),
        is_trial: false,
        is_active: n % 8 === 0,
        extended_days: 0,
      });
    }
  }
}
