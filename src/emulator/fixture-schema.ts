/**
 * The fixture format: the emulator's public data contract. It uses the API's own field names, so a
 * fixture reads like the responses it produces. Only `app` and `users` are required; every list
 * defaults to empty, optional keys may be left out and ids left out are generated.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { toInt64 } from '../shared/int64.ts';
import { parseJson } from './json.ts';

const numericId = z.string().regex(/^\d+$/, 'must be a numeric string');

/** An int64 given as a JSON number (exact only up to 2^53, or bigint from `loadFixture`) or a decimal string. */
const int64 = z
  .union([z.bigint(), z.number(), z.string()], { error: 'must be an integer or a decimal string' })
  .transform((value, ctx) => {
    const parsed = toInt64(value);
    if (parsed === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message:
          typeof value === 'number' && Number.isInteger(value)
            ? 'is above 2^53 as a JSON number; write it as a decimal string'
            : 'must be a 64-bit integer (JSON number or decimal string)',
      });
      return z.NEVER;
    }
    return parsed;
  });

const unixSeconds = z.int().nonnegative();

/** ISO-8601 instant (the API writes `2021-03-09T13:04:20+0000`); kept as unix seconds. */
const isoTime = z.string().transform((value, ctx) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.issues.push({ code: 'custom', input: value, message: 'must be an ISO-8601 date-time' });
    return z.NEVER;
  }
  return Math.floor(ms / 1000);
});

const bits = z.string().regex(/^[01]*$/, 'must be a string of 0 and 1');

const base64 = z.string().refine((value) => Buffer.from(value, 'base64').toString('base64') === value, {
  message: 'must be canonical base64',
});

const app = z.object({ id: numericId, secret: z.string().min(1) });

const user = z.object({
  id: numericId.optional(),
  alias: z.string().optional(),
  org_scoped_id: numericId.optional(),
  access_token: z.string().min(1).optional(),
  friends: z.array(numericId).default([]),
  display_name: z.string().optional(),
  profile_url: z.string().optional(),
  owns_app: z.boolean().default(true),
  app_grant_time: unixSeconds.default(0),
});

const achievementDefinition = z.object({
  id: numericId.optional(),
  api_name: z.string().min(1),
  achievement_type: z.enum(['SIMPLE', 'COUNT', 'BITFIELD']),
  achievement_write_policy: z.enum(['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE']),
  target: int64.optional(),
  bitfield_length: z.int().nonnegative().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  unlocked_description_override: z.string().optional(),
  is_archived: z.boolean().default(false),
  is_secret: z.boolean().default(false),
  locked_image_uri: z.string().optional(),
  unlocked_image_uri: z.string().optional(),
});

const achievementProgress = z.object({
  id: numericId.optional(),
  user_id: numericId,
  api_name: z.string().min(1),
  count_progress: int64.default(0n),
  bitfield_progress: bits.default(''),
  is_unlocked: z.boolean().default(false),
  unlock_time: unixSeconds.default(0),
});

const product = z.object({
  id: numericId.optional(),
  sku: z.string().min(1),
  type: z.enum(['DURABLE', 'CONSUMABLE', 'SUBSCRIPTION']),
  name: z.string().optional(),
  description: z.string().optional(),
  price: z
    .object({
      currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD'),
      amount_in_hundredths: z.int().nonnegative(),
    })
    .optional(),
  subscription_term: z
    .enum(['WEEKLY', 'BIWEEKLY', 'MONTHLY', 'QUARTERLY', 'SEMIANNUAL', 'ANNUAL'])
    .optional(),
});

const purchase = z.object({
  id: numericId.optional(),
  user_id: numericId,
  sku: z.string().min(1),
  grant_time: unixSeconds.default(0),
  expiration_time: unixSeconds.default(0),
});

const priceTerm = z.object({
  term: z.string().nullable().optional(),
  currency: z.string(),
  price: z.string(),
});

const subscription = z.object({
  id: numericId.optional(),
  user_id: numericId,
  sku: z.string().min(1),
  period_start_time: isoTime.optional(),
  period_end_time: isoTime.optional(),
  is_trial: z.boolean().default(false),
  trial_type: z.enum(['FREE_TRIAL', 'INTRO_OFFER']).optional(),
  is_active: z.boolean().default(true),
  next_renewal_time: isoTime.optional(),
  cancellation_time: isoTime.optional(),
  current_price_term: priceTerm.optional(),
  /** The term of the next period (a trial's first paid period); defaults to the current one. */
  next_price_term: priceTerm.optional(),
});

const leaderboard = z.object({
  id: numericId.optional(),
  api_name: z.string().min(1),
  sort_order: z.enum(['HIGHER_IS_BETTER', 'LOWER_IS_BETTER']),
  entry_write_policy: z
    .enum(['CLIENT_AUTHORITATIVE', 'SERVER_AUTHORITATIVE'])
    .default('CLIENT_AUTHORITATIVE'),
  earliest_allowed_entry_time: unixSeconds.default(0),
  latest_allowed_entry_time: unixSeconds.default(0),
  title: z.string().optional(),
  /** Served as is: public code reads `score_type`, but no public source shows its values. */
  score_type: z.string().min(1).optional(),
});

const leaderboardEntry = z.object({
  id: numericId.optional(),
  api_name: z.string().min(1),
  user_id: numericId,
  score: int64,
  timestamp: unixSeconds.default(0),
  extra_data_base64: base64
    .refine((value) => Buffer.from(value, 'base64').length <= 2048, 'must decode to at most 2048 bytes')
    .optional(),
  supplementary_metric: int64.optional(),
});

const nonce = z.object({ user_id: numericId, nonce: z.string().min(1) });

const fixtureObject = z.object({
  app,
  users: z.array(user),
  achievement_definitions: z.array(achievementDefinition).default([]),
  achievement_progress: z.array(achievementProgress).default([]),
  products: z.array(product).default([]),
  purchases: z.array(purchase).default([]),
  subscriptions: z.array(subscription).default([]),
  leaderboards: z.array(leaderboard).default([]),
  leaderboard_entries: z.array(leaderboardEntry).default([]),
  nonces: z.array(nonce).default([]),
});

/** A validated fixture with defaults applied, int64 values as `bigint` and ISO times as unix seconds. */
export type ParsedFixture = z.output<typeof fixtureObject>;

/** The fixture schema (zod): field-level rules plus uniqueness and cross-references between lists. */
export const FixtureSchema = fixtureObject.superRefine((fixture, ctx) => {
  for (const problem of referenceProblems(fixture)) {
    ctx.issues.push({ code: 'custom', input: fixture, path: problem.path, message: problem.message });
  }
});

/** A fixture as written (JSON-shaped: optional keys, int64 as number, decimal string or bigint). */
export type Fixture = z.input<typeof FixtureSchema>;

type ListKey = Exclude<keyof Fixture, 'app' | 'users'>;

/** A fixture as `loadFixture` returns it: as written, with every list present. */
export type LoadedFixture = Fixture & { [K in ListKey]-?: NonNullable<Fixture[K]> };

const LIST_KEYS: readonly ListKey[] = [
  'achievement_definitions',
  'achievement_progress',
  'products',
  'purchases',
  'subscriptions',
  'leaderboards',
  'leaderboard_entries',
  'nonces',
];

/**
 * Reads and validates a fixture file; big integers are read exactly (as `bigint`). Throws an Error
 * listing every problem by path (`users[3].id: must be a numeric string`). The result is the file's
 * data (absent lists filled in as []), fit to be changed and passed to `startEmulator`.
 */
export function loadFixture(path: string): LoadedFixture {
  let raw: unknown;
  try {
    raw = parseJson(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid fixture ${path}: ${(error as Error).message}`, { cause: error });
  }
  parseFixture(raw, path);
  const fixture = raw as Fixture;
  return Object.assign(
    fixture,
    Object.fromEntries(LIST_KEYS.map((key) => [key, fixture[key] ?? []])),
  ) as LoadedFixture;
}

/** Validates a fixture object; `source` names it in the error message. */
export function parseFixture(fixture: unknown, source = 'object'): ParsedFixture {
  const result = FixtureSchema.safeParse(fixture);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
  throw new Error(`Invalid fixture ${source}:\n${lines.join('\n')}`);
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/** What per-field schemas cannot see: uniqueness, and references from one list into another. */
function referenceProblems(fixture: ParsedFixture): Problem[] {
  const problems: Problem[] = [];
  const report = (path: (string | number)[], message: string) => problems.push({ path, message });

  // Ids share one namespace: DELETE /{id} and GET /{id} find an object by its id alone.
  const ids = new Map<string, string>();
  const claimId = (id: string | undefined, path: (string | number)[]) => {
    if (id === undefined) return;
    const owner = ids.get(id);
    if (owner) report(path, `duplicates the id of ${owner}`);
    else ids.set(id, formatPath(path));
  };

  const userIds = new Set<string>();
  const tokens = new Set<string>();
  fixture.users.forEach((u, i) => {
    claimId(u.id, ['users', i, 'id']);
    claimId(u.org_scoped_id, ['users', i, 'org_scoped_id']);
    if (u.id !== undefined) userIds.add(u.id);
    if (u.access_token !== undefined) {
      if (tokens.has(u.access_token)) report(['users', i, 'access_token'], "duplicates another user's token");
      tokens.add(u.access_token);
    }
  });
  const checkUser = (id: string, path: (string | number)[]) => {
    if (!userIds.has(id)) report(path, `unknown user id ${id}`);
  };
  fixture.users.forEach((u, i) =>
    u.friends.forEach((friend, j) => {
      checkUser(friend, ['users', i, 'friends', j]);
      if (friend === u.id) report(['users', i, 'friends', j], 'a user cannot be their own friend');
    }),
  );

  const definitions = new Map<string, ParsedFixture['achievement_definitions'][number]>();
  fixture.achievement_definitions.forEach((d, i) => {
    const at = (key: string) => ['achievement_definitions', i, key];
    claimId(d.id, at('id'));
    if (definitions.has(d.api_name)) report(at('api_name'), `duplicates api_name ${d.api_name}`);
    definitions.set(d.api_name, d);
    if (d.achievement_type !== 'SIMPLE' && d.target === undefined)
      report(at('target'), `is required for ${d.achievement_type} achievements`);
    if (d.target !== undefined && d.target < 0n) report(at('target'), 'must not be negative');
    if (d.achievement_type === 'BITFIELD') {
      if (!d.bitfield_length)
        report(at('bitfield_length'), 'is required (at least 1) for BITFIELD achievements');
      else if (d.target !== undefined && d.target > BigInt(d.bitfield_length))
        report(at('target'), 'must not exceed bitfield_length');
    }
  });

  const progressKeys = new Set<string>();
  fixture.achievement_progress.forEach((p, i) => {
    const at = (key: string) => ['achievement_progress', i, key];
    claimId(p.id, at('id'));
    checkUser(p.user_id, at('user_id'));
    const definition = definitions.get(p.api_name);
    if (!definition) report(at('api_name'), `unknown achievement api_name ${p.api_name}`);
    else if (p.bitfield_progress.length > (definition.bitfield_length ?? 0))
      report(at('bitfield_progress'), "is longer than the achievement's bitfield_length");
    if (p.count_progress < 0n) report(at('count_progress'), 'must not be negative');
    const key = `${p.user_id}/${p.api_name}`;
    if (progressKeys.has(key)) report(at('api_name'), `duplicates the progress of user ${p.user_id}`);
    progressKeys.add(key);
  });

  const products = new Map<string, ParsedFixture['products'][number]>();
  fixture.products.forEach((p, i) => {
    claimId(p.id, ['products', i, 'id']);
    if (products.has(p.sku)) report(['products', i, 'sku'], `duplicates sku ${p.sku}`);
    products.set(p.sku, p);
  });

  fixture.purchases.forEach((p, i) => {
    claimId(p.id, ['purchases', i, 'id']);
    checkUser(p.user_id, ['purchases', i, 'user_id']);
    if (!products.has(p.sku)) report(['purchases', i, 'sku'], `unknown product sku ${p.sku}`);
  });

  fixture.subscriptions.forEach((s, i) => {
    const at = (key: string) => ['subscriptions', i, key];
    claimId(s.id, at('id'));
    checkUser(s.user_id, at('user_id'));
    const productType = products.get(s.sku)?.type;
    if (productType !== 'SUBSCRIPTION') report(at('sku'), `unknown subscription product sku ${s.sku}`);
    if (s.trial_type !== undefined && !s.is_trial) report(at('trial_type'), 'is only allowed when is_trial');
  });

  const leaderboards = new Set<string>();
  fixture.leaderboards.forEach((l, i) => {
    const at = (key: string) => ['leaderboards', i, key];
    claimId(l.id, at('id'));
    if (leaderboards.has(l.api_name)) report(at('api_name'), `duplicates api_name ${l.api_name}`);
    leaderboards.add(l.api_name);
    if (
      l.earliest_allowed_entry_time &&
      l.latest_allowed_entry_time &&
      l.earliest_allowed_entry_time > l.latest_allowed_entry_time
    )
      report(at('latest_allowed_entry_time'), 'is before earliest_allowed_entry_time');
  });

  const entryKeys = new Set<string>();
  fixture.leaderboard_entries.forEach((e, i) => {
    const at = (key: string) => ['leaderboard_entries', i, key];
    claimId(e.id, at('id'));
    checkUser(e.user_id, at('user_id'));
    if (!leaderboards.has(e.api_name)) report(at('api_name'), `unknown leaderboard api_name ${e.api_name}`);
    const key = `${e.api_name}/${e.user_id}`;
    if (entryKeys.has(key)) report(at('user_id'), `user ${e.user_id} already has an entry on ${e.api_name}`);
    entryKeys.add(key);
  });

  fixture.nonces.forEach((n, i) => checkUser(n.user_id, ['nonces', i, 'user_id']));
  return problems;
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path)
    text += typeof key === 'number' ? `[${key}]` : text ? `.${String(key)}` : String(key);
  return text || '(root)';
}
