/**
 * The `fields` each read asks of Meta's API, split by how sure we are that the API serves them.
 * Shared by the client (which asks for them) and the emulator (whose strict mode refuses the
 * guesses the way Graph refuses an unknown field).
 *
 * - `core`: confirmed by public code that calls the real API, or by Meta's documentation.
 * - `optional`: our guesses. They are still asked for; when upstream refuses one (HTTP 400, code
 *   100, "Tried accessing nonexisting field (x)"), the client asks again without it and leaves it
 *   out for that app and route for a while. Keyed by the field name upstream would name.
 */

import { ROUTES, type RouteTemplate } from './routes.ts';

/** A Graph `fields` selection: names, and nested selections as `{ name: [...] }`. */
export type FieldSelection = ReadonlyArray<string | { readonly [field: string]: FieldSelection }>;

/** The fields of one read. */
export interface ReadFields {
  /** The route of the read. */
  readonly route: RouteTemplate;
  /** The node type upstream names in a refusal, e.g. `LeaderboardEntry`. */
  readonly nodeType: string;
  readonly core: FieldSelection;
  readonly optional: { readonly [field: string]: FieldSelection[number] };
}

const PRICE = ['currency', 'amount_in_hundredths', 'formatted'];

export const READ_FIELDS = {
  /** Public code requests this exact list with the app token. */
  achievementDefinitions: {
    route: ROUTES.achievementDefinitionsRead,
    nodeType: 'AchievementDefinition',
    core: [
      'api_name',
      'achievement_type',
      'achievement_write_policy',
      'target',
      'bitfield_length',
      'is_archived',
      'title',
      'description',
      'unlocked_description_override',
      'is_secret',
      'locked_image_uri',
      'unlocked_image_uri',
    ],
    optional: {},
  },
  /** The current doc lists id, unlock_time, is_unlocked, count_progress; `definition{…}` appears only in 2016 sources. */
  userAchievements: {
    route: ROUTES.userAchievementsRead,
    nodeType: 'UserAchievement',
    core: ['id', 'is_unlocked', 'unlock_time', 'count_progress', 'bitfield_progress'],
    optional: { definition: { definition: ['api_name', 'achievement_type', 'target', 'bitfield_length'] } },
  },
  /** Public code reads exactly these. */
  viewerPurchases: {
    route: ROUTES.viewerPurchases,
    nodeType: 'Purchase',
    core: ['id', 'grant_time', 'expiration_time', { item: ['id', 'sku'] }],
    optional: {},
  },
  /** The docs list sku, current_offer and billing_plans; `type` is not documented. */
  catalog: {
    route: ROUTES.availablePurchases,
    nodeType: 'AvailablePurchase',
    core: [
      'sku',
      { current_offer: ['name', 'description', { price: PRICE }] },
      { billing_plans: [{ paid_offer: ['name', 'description', 'subscription_term', { price: PRICE }] }] },
    ],
    optional: { type: 'type' },
  },
  /** Documented (no public code found). */
  subscriptions: {
    route: ROUTES.subscriptions,
    nodeType: 'Subscription',
    core: [
      'id',
      { owner: ['id'] },
      'sku',
      'is_active',
      'is_trial',
      'trial_type',
      'period_start_time',
      'period_end_time',
      'next_renewal_time',
      'cancellation_time',
      { current_price_term: ['term', 'currency', 'price'] },
      { next_price_term: ['term', 'currency', 'price'] },
    ],
    optional: {},
  },
  /** Public code reads api_name, sort_order, entry_write_policy, entry_count and score_type; nobody reads the others. */
  leaderboards: {
    route: ROUTES.leaderboardsRead,
    nodeType: 'Leaderboard',
    core: ['id', 'api_name', 'sort_order', 'entry_write_policy', 'entry_count'],
    optional: {
      title: 'title',
      earliest_allowed_entry_time: 'earliest_allowed_entry_time',
      latest_allowed_entry_time: 'latest_allowed_entry_time',
      score_type: 'score_type',
    },
  },
  /** Public clients ask for these; `supplementary_metric` is documented for writes only. */
  leaderboardEntries: {
    route: ROUTES.leaderboardEntries,
    nodeType: 'LeaderboardEntry',
    core: [
      'id',
      'rank',
      'score',
      'timestamp',
      'extra_data_base64',
      { user: ['id', 'alias', 'display_name', 'profile_url'] },
    ],
    optional: { supplementary_metric: { supplementary_metric: ['id', 'metric'] } },
  },
  /** `GET /{user_id}` with the app token: public code reads id, alias and org_scoped_id only. */
  user: {
    route: ROUTES.userLookup,
    nodeType: 'User',
    core: ['id', 'alias', 'org_scoped_id'],
    optional: { display_name: 'display_name', profile_url: 'profile_url' },
  },
  /** `GET /me` with the player's token: all five are read by public code. */
  me: {
    route: ROUTES.me,
    nodeType: 'User',
    core: ['id', 'alias', 'org_scoped_id', 'display_name', 'profile_url'],
    optional: {},
  },
} as const satisfies Record<string, ReadFields>;

/** Every field of a read, the guesses included (what the client asks for first). */
export function allFields(read: ReadFields): FieldSelection {
  return [...read.core, ...Object.values(read.optional)];
}
