/**
 * Generates `fixtures/demo.json`, the emulator's demo data set: "Skyline Rally VR", a fictional VR
 * racing / adventure game with 1,200 players, achievements, an add-on store, a subscription and
 * four leaderboards.
 *
 * The output is deterministic: every random choice comes from one seeded PRNG and every time is
 * derived from fixed 2026 dates, so re-running the script yields a byte-identical file (and a
 * reviewable diff when the generator changes). Run it with `npm run fixture:demo`.
 *
 * The file uses the API's own field names (the emulator's public fixture contract). int64 values
 * (`target`, `count_progress`, `score`, `supplementary_metric`) are written as decimal strings so
 * values above 2^53 survive exactly. A few players are hand-made personas for demos; they are
 * listed in `fixtures/README.md` and their ids must not change.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/emulator/seeded-random.ts';

// ---------------------------------------------------------------------------------------------
// Fixture types (the contract, in API field names)
// ---------------------------------------------------------------------------------------------

/** A player, with the private bits only the emulator knows (token, friends, ownership). */
interface FixtureUser {
  id: string;
  alias: string;
  org_scoped_id: string;
  access_token: string;
  friends: string[];
  display_name: string;
  profile_url?: string;
  owns_app: boolean;
  /** Unix seconds the base app was granted; 0 for non-owners. */
  app_grant_time: number;
}

type AchievementType = 'SIMPLE' | 'COUNT' | 'BITFIELD';
type WritePolicy = 'CLIENT_AUTHORITATIVE' | 'SERVER_AUTHORITATIVE';

/** An achievement definition as `GET /{app_id}/achievement_definitions` serves it. */
interface FixtureAchievementDefinition {
  id: string;
  api_name: string;
  achievement_type: AchievementType;
  achievement_write_policy: WritePolicy;
  target: string;
  bitfield_length: number;
  title: string;
  description: string;
  unlocked_description_override?: string;
  is_archived: boolean;
  is_secret: boolean;
  locked_image_uri: string;
  unlocked_image_uri: string;
}

/** One player's progress on one achievement. */
interface FixtureAchievementProgress {
  id: string;
  user_id: string;
  api_name: string;
  count_progress: string;
  bitfield_progress?: string;
  is_unlocked: boolean;
  unlock_time: number;
}

type ProductType = 'DURABLE' | 'CONSUMABLE' | 'SUBSCRIPTION';
type SubscriptionTerm = 'MONTHLY' | 'ANNUAL';

/** A catalog item (add-on). */
interface FixtureProduct {
  id: string;
  sku: string;
  type: ProductType;
  name: string;
  description: string;
  price: { currency: string; amount_in_hundredths: number };
  subscription_term?: SubscriptionTerm;
}

/** An entitlement as `viewer_purchases` lists it (expiration_time 0 = never expires). */
interface FixturePurchase {
  id: string;
  user_id: string;
  sku: string;
  grant_time: number;
  expiration_time: number;
}

/** A price term of a subscription; `term` is absent on free trials. */
interface PriceTerm {
  term?: SubscriptionTerm;
  currency: string;
  price: string;
}

/** A subscription row of `GET /application/subscriptions` (times are ISO strings, `+0000`). */
interface FixtureSubscription {
  id: string;
  user_id: string;
  sku: string;
  period_start_time: string;
  period_end_time: string;
  is_trial: boolean;
  trial_type?: 'FREE_TRIAL' | 'INTRO_OFFER';
  is_active: boolean;
  next_renewal_time?: string;
  cancellation_time?: string;
  current_price_term: PriceTerm;
  next_price_term?: PriceTerm;
}

type SortOrder = 'HIGHER_IS_BETTER' | 'LOWER_IS_BETTER';

/** A leaderboard definition; a 0 time bound means "unbounded". */
interface FixtureLeaderboard {
  id: string;
  api_name: string;
  sort_order: SortOrder;
  entry_write_policy: WritePolicy;
  earliest_allowed_entry_time: number;
  latest_allowed_entry_time: number;
  title: string;
}

/** One player's entry on one leaderboard. */
interface FixtureLeaderboardEntry {
  id: string;
  api_name: string;
  user_id: string;
  score: string;
  timestamp: number;
  extra_data_base64?: string;
  supplementary_metric?: string;
}

/** A single-use nonce issued by `Users.GetUserProof()` on the device. */
interface FixtureNonce {
  user_id: string;
  nonce: string;
}

/** The whole fixture file. */
interface Fixture {
  app: { id: string; secret: string };
  users: FixtureUser[];
  achievement_definitions: FixtureAchievementDefinition[];
  achievement_progress: FixtureAchievementProgress[];
  products: FixtureProduct[];
  purchases: FixturePurchase[];
  subscriptions: FixtureSubscription[];
  leaderboards: FixtureLeaderboard[];
  leaderboard_entries: FixtureLeaderboardEntry[];
  nonces: FixtureNonce[];
}

// ---------------------------------------------------------------------------------------------
// Fixed points in time (no clock reads: the output must not depend on when the script runs)
// ---------------------------------------------------------------------------------------------

const SEED = 0x5ca1ab1e;
const BETA_START = unix('2025-09-01T00:00:00Z');
const BETA_END = unix('2025-12-15T00:00:00Z');
const LAUNCH = unix('2026-02-10T17:00:00Z');
/** "Now" as the data set sees it: everything happened before this instant. */
const SNAPSHOT = unix('2026-11-20T12:00:00Z');
const WINTER_CUP_END = unix('2026-03-31T23:59:59Z');
const TIME_TRIAL_START = unix('2026-11-02T00:00:00Z');
const TIME_TRIAL_END = unix('2026-11-08T23:59:59Z');
const DAY = 86_400;

const USER_COUNT = 1200;
const FIRST_USER_ID = 1_000_000_000_000_001n;
/** Users with friend lists (indexes 0..59) and users with progress / purchases (0..199). */
const FRIENDS_POOL = 60;
const ACTIVE_POOL = 200;

/** Hand-made personas (0-based user indexes); `fixtures/README.md` documents them. */
const P = {
  showcase: 0, // friends, purchases, unlocked achievements, annual subscriber, ranked everywhere
  topScorer: 1, // #1 on GLOBAL_HIGH_SCORE with a score above 2^53
  almostInfinite: 2, // 3 meters short of the LIFETIME_DISTANCE_METERS target (2^53 + 1)
  unranked: 3, // friends, owns the app, but no leaderboard entries and no achievements
  nonOwner: 4, // owns_app: false
  freeTrial: 5, // monthly subscription on a free trial
  cancelled: 6, // cancelled subscription, still active until period end
  lapsed: 7, // inactive subscription, expired purchases
  forceUnlocked: 8, // WIN_10_RACES unlocked by support with only 4 wins
  shopper: 9, // unconsumed consumables + durables (consume / refund demos)
  introOffer: 10, // monthly subscription on an intro-offer trial
  bitfieldNearMiss: 11, // RELIC_HUNTER 7 of 8 relics, WORLD_TOUR 9 of 10 tracks
} as const;

const PERSONA_ALIASES: Record<number, string> = {
  [P.showcase]: 'NovaDrift',
  [P.topScorer]: 'ApexOverflow',
  [P.almostInfinite]: 'LongHaulLena',
  [P.unranked]: 'RookieRally',
  [P.nonOwner]: 'WindowShopper',
  [P.freeTrial]: 'TrialTurbo',
  [P.cancelled]: 'FarewellFox',
  [P.lapsed]: 'LapsedLynx',
  [P.forceUnlocked]: 'SupportTicket42',
  [P.shopper]: 'CoinCollector',
  [P.introOffer]: 'IntroIvy',
  [P.bitfieldNearMiss]: 'RelicRaider',
};

// ---------------------------------------------------------------------------------------------
// Users and friends
// ---------------------------------------------------------------------------------------------

function makeUsers(): FixtureUser[] {
  const aliases = new Set<string>(Object.values(PERSONA_ALIASES));
  const orgIds = new Set<string>();
  const tokens = new Set<string>();
  const nonOwners = new Set<number>([P.nonOwner, 137, 388, 642, 911, 1187]);
  const result: FixtureUser[] = [];
  for (let i = 0; i < USER_COUNT; i++) {
    const id = (FIRST_USER_ID + BigInt(i)).toString();
    const alias = PERSONA_ALIASES[i] ?? uniqueAlias(aliases);
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const ownsApp = !nonOwners.has(i);
    const user: FixtureUser = {
      id,
      alias,
      org_scoped_id: unique(orgIds, () => `3${digits(15)}`),
      access_token: unique(tokens, () => `FRL${alnum(64)}`),
      friends: [],
      display_name: `${first} ${last}`,
      owns_app: ownsApp,
      // Early adopters (low indexes) tend to have older grants: pre-orders opened in January.
      app_grant_time: ownsApp ? grantTimeFor(i) : 0,
    };
    if (rng() < 0.7 || i < 12) user.profile_url = `https://avatars.skyline-rally.example/u/${id}.png`;
    result.push(user);
  }
  linkFriends(result);
  return result;
}

function grantTimeFor(index: number): number {
  const preorder = unix('2026-01-15T00:00:00Z');
  if (index < ACTIVE_POOL) return randInt(preorder, LAUNCH + 30 * DAY);
  return randInt(preorder, SNAPSHOT - 3 * DAY);
}

/** Symmetric friendships among the first 60 users, each with 3 to 12 friends. */
function linkFriends(all: FixtureUser[]): void {
  const adjacency = Array.from({ length: FRIENDS_POOL }, () => new Set<number>());
  const wanted = adjacency.map((_, i) => (i === P.showcase ? 12 : randInt(3, 12)));
  const link = (a: number, b: number): void => {
    adjacency[a]!.add(b);
    adjacency[b]!.add(a);
  };
  const canLink = (a: number, b: number, cap: (i: number) => number): boolean =>
    a !== b && !adjacency[a]!.has(b) && adjacency[b]!.size < cap(b);
  for (const a of shuffled(range(FRIENDS_POOL))) {
    while (adjacency[a]!.size < wanted[a]!) {
      const candidates = range(FRIENDS_POOL).filter((b) => canLink(a, b, (i) => wanted[i]!));
      if (candidates.length === 0) break;
      link(a, pick(candidates));
    }
  }
  // Top up anyone left below the minimum with partners that still have room under the maximum.
  for (let a = 0; a < FRIENDS_POOL; a++) {
    while (adjacency[a]!.size < 3) {
      const partners = range(FRIENDS_POOL).filter((b) => canLink(a, b, () => 12));
      if (partners.length === 0) throw new Error(`cannot find friends for user #${a}`);
      link(a, pick(partners));
    }
  }
  adjacency.forEach((friends, a) => {
    all[a]!.friends = [...friends].sort((x, y) => x - y).map((b) => all[b]!.id);
  });
}

function uniqueAlias(taken: Set<string>): string {
  return unique(taken, () => {
    const prefix = pick(ALIAS_PREFIXES);
    const noun = pick(ALIAS_NOUNS);
    const style = rng();
    if (style < 0.35) return `${prefix}${noun}`;
    if (style < 0.7) return `${prefix}${noun}${randInt(1, 999)}`;
    if (style < 0.85) return `${prefix}_${noun}`;
    return `${prefix.toLowerCase()}${noun.toLowerCase()}${randInt(10, 99)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Achievements
// ---------------------------------------------------------------------------------------------

interface DefinitionSpec {
  api: string;
  type: AchievementType;
  policy: WritePolicy;
  target?: string;
  bits?: number;
  title: string;
  description: string;
  unlocked?: string;
  archived?: boolean;
  secret?: boolean;
}

function makeAchievementDefinitions(): FixtureAchievementDefinition[] {
  const specs: DefinitionSpec[] = [
    {
      api: 'FIRST_LAP',
      type: 'SIMPLE',
      policy: 'CLIENT_AUTHORITATIVE',
      title: 'Lights Out',
      description: 'Complete your first lap on any track.',
    },
    {
      api: 'GRAND_TOUR_COMPLETE',
      type: 'SIMPLE',
      policy: 'SERVER_AUTHORITATIVE',
      title: 'Grand Tour',
      description: 'Finish all 24 stages of the Grand Tour campaign.',
      unlocked: 'You conquered the Grand Tour, from Harbor Sprint to the Summit Finale.',
    },
    {
      api: 'PHOTO_FINISH',
      type: 'SIMPLE',
      policy: 'CLIENT_AUTHORITATIVE',
      title: 'Photo Finish',
      description: 'Win a race by less than 0.05 seconds.',
    },
    {
      api: 'CLEAN_RACER',
      type: 'SIMPLE',
      policy: 'SERVER_AUTHORITATIVE',
      title: 'Clean Racer',
      description: 'Finish an online race without touching a wall or another car.',
    },
    {
      api: 'RED_CANYON_SHORTCUT',
      type: 'SIMPLE',
      policy: 'CLIENT_AUTHORITATIVE',
      title: 'Off the Map',
      description: 'A secret awaits the curious in Red Canyon.',
      unlocked: 'You found the hidden tunnel shortcut in Red Canyon.',
      secret: true,
    },
    {
      api: 'BETA_PIONEER',
      type: 'SIMPLE',
      policy: 'SERVER_AUTHORITATIVE',
      title: 'Beta Pioneer',
      description: 'Raced during the 2025 closed beta. No longer obtainable.',
      archived: true,
    },
    {
      api: 'WIN_10_RACES',
      type: 'COUNT',
      policy: 'SERVER_AUTHORITATIVE',
      target: '10',
      title: 'Podium Regular',
      description: 'Win 10 online races.',
    },
    {
      api: 'DRIFT_500_CORNERS',
      type: 'COUNT',
      policy: 'CLIENT_AUTHORITATIVE',
      target: '500',
      title: 'Sideways Specialist',
      description: 'Drift through 500 corners.',
    },
    {
      api: 'OVERTAKE_1000',
      type: 'COUNT',
      policy: 'SERVER_AUTHORITATIVE',
      target: '1000',
      title: 'Through the Field',
      description: 'Overtake 1,000 opponents in online races.',
    },
    {
      api: 'LIFETIME_DISTANCE_METERS',
      type: 'COUNT',
      policy: 'SERVER_AUTHORITATIVE',
      target: '9007199254740993',
      title: 'Beyond Double Precision',
      description: 'Drive 9,007,199,254,740,993 meters in total. Yes, really.',
    },
    {
      api: 'RELIC_HUNTER',
      type: 'BITFIELD',
      policy: 'CLIENT_AUTHORITATIVE',
      bits: 8,
      target: '8',
      title: 'Relic Hunter',
      description: 'Find all 8 ancient relics hidden across the adventure map.',
    },
    {
      api: 'WORLD_TOUR',
      type: 'BITFIELD',
      policy: 'SERVER_AUTHORITATIVE',
      bits: 12,
      target: '10',
      title: 'World Tour',
      description: 'Finish a race on 10 of the 12 tracks.',
    },
    {
      api: 'LAUNCH_WEEK_CHALLENGES',
      type: 'BITFIELD',
      policy: 'SERVER_AUTHORITATIVE',
      bits: 5,
      target: '3',
      title: 'Challenge Accepted',
      description: 'Complete 3 of the 5 launch-week challenges.',
    },
  ];
  return specs.map((s) => {
    const slug = s.api.toLowerCase();
    const def: FixtureAchievementDefinition = {
      id: ids.next(),
      api_name: s.api,
      achievement_type: s.type,
      achievement_write_policy: s.policy,
      target: s.target ?? '0',
      bitfield_length: s.bits ?? 0,
      title: s.title,
      description: s.description,
      is_archived: s.archived ?? false,
      is_secret: s.secret ?? false,
      locked_image_uri: `https://assets.skyline-rally.example/achievements/${slug}_locked.png`,
      unlocked_image_uri: `https://assets.skyline-rally.example/achievements/${slug}.png`,
    };
    if (s.unlocked !== undefined) def.unlocked_description_override = s.unlocked;
    return def;
  });
}

function makeAchievementProgress(): FixtureAchievementProgress[] {
  const rows: FixtureAchievementProgress[] = [];
  const simpleOdds: Record<string, number> = {
    FIRST_LAP: 0.98,
    GRAND_TOUR_COMPLETE: 0.25,
    PHOTO_FINISH: 0.3,
    CLEAN_RACER: 0.45,
    RED_CANYON_SHORTCUT: 0.12,
  };
  const countScale: Record<string, number> = {
    WIN_10_RACES: 22,
    DRIFT_500_CORNERS: 900,
    OVERTAKE_1000: 1600,
  };
  for (let i = 0; i < ACTIVE_POOL; i++) {
    const user = users[i]!;
    if (!user.owns_app || i === P.unranked) continue;
    if (i > P.bitfieldNearMiss && rng() < 0.12) continue; // ~12 % never touched an achievement
    const engagement = i === P.showcase ? 1 : 0.15 + 0.85 * rng();
    const add = (api: string, count: bigint, bits: string | undefined, unlocked: boolean): void => {
      const row: FixtureAchievementProgress = {
        id: ids.next(),
        user_id: user.id,
        api_name: api,
        count_progress: count.toString(),
        is_unlocked: unlocked,
        unlock_time: unlocked ? randInt(user.app_grant_time, SNAPSHOT) : 0,
      };
      if (bits !== undefined) row.bitfield_progress = bits;
      rows.push(row);
    };
    for (const d of definitions) {
      const api = d.api_name;
      if (d.is_archived) {
        // Beta players kept their badge when it was archived; it was unlocked before launch.
        if (i < 40 && i % 3 === 0) {
          rows.push({
            id: ids.next(),
            user_id: user.id,
            api_name: api,
            count_progress: '0',
            is_unlocked: true,
            unlock_time: randInt(BETA_START, BETA_END),
          });
        }
        continue;
      }
      if (d.achievement_type === 'SIMPLE') {
        const odds = i === P.showcase ? 1 : (simpleOdds[api] ?? 0.3) * (api === 'FIRST_LAP' ? 1 : engagement);
        // Only unlocked SIMPLE achievements have a progress row: there is nothing partial to record.
        if (rng() < odds) add(api, 0n, undefined, true);
      } else if (d.achievement_type === 'COUNT') {
        const target = BigInt(d.target);
        let count: bigint;
        if (api === 'LIFETIME_DISTANCE_METERS') {
          count = BigInt(Math.floor(engagement * (200_000 + rng() * 4_800_000)));
          if (i === P.almostInfinite) count = target - 3n;
        } else {
          count = BigInt(Math.floor(engagement * rng() * countScale[api]!));
          if (i === P.showcase) count = target + BigInt(randInt(0, Number(target)));
        }
        if (api === 'WIN_10_RACES' && i === P.forceUnlocked) {
          add(api, 4n, undefined, true); // support force-unlocked it after a lost race result
          continue;
        }
        if (count > 0n) add(api, count, undefined, count >= target);
      } else {
        const length = d.bitfield_length;
        let bits = Array.from({ length }, () => (rng() < engagement * 0.8 ? '1' : '0')).join('');
        if (i === P.showcase) bits = '1'.repeat(length);
        if (i === P.bitfieldNearMiss && api === 'RELIC_HUNTER') bits = '11110111';
        if (i === P.bitfieldNearMiss && api === 'WORLD_TOUR') bits = '111111011100';
        const ones = [...bits].filter((b) => b === '1').length;
        if (ones > 0) add(api, 0n, bits, BigInt(ones) >= BigInt(d.target));
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Store: products, subscriptions, purchases
// ---------------------------------------------------------------------------------------------

function makeProducts(): FixtureProduct[] {
  const product = (
    sku: string,
    type: ProductType,
    name: string,
    description: string,
    cents: number,
    term?: SubscriptionTerm,
  ): FixtureProduct => {
    const p: FixtureProduct = {
      id: ids.next(),
      sku,
      type,
      name,
      description,
      price: { currency: 'USD', amount_in_hundredths: cents },
    };
    if (term !== undefined) p.subscription_term = term;
    return p;
  };
  return [
    product(
      'track_pack_alpine',
      'DURABLE',
      'Alpine Pass Track Pack',
      'Four snowy mountain tracks with hairpin descents and night variants.',
      499,
    ),
    product(
      'livery_neon_nights',
      'DURABLE',
      'Neon Nights Livery Set',
      'Twelve glow-in-the-dark liveries for every car in the garage.',
      199,
    ),
    product(
      'winter_cup_2026_pass',
      'DURABLE',
      'Winter Cup 2026 Event Pass',
      'Entry to the Winter Cup 2026 online event (ended March 31, 2026).',
      299,
    ),
    product(
      'coins_500',
      'CONSUMABLE',
      '500 Rally Coins',
      'A pouch of 500 Rally Coins for the garage shop.',
      99,
    ),
    product(
      'coins_2800',
      'CONSUMABLE',
      '2,800 Rally Coins',
      'A crate of 2,800 Rally Coins (includes 300 bonus coins).',
      499,
    ),
    product('nitro_boost_x5', 'CONSUMABLE', 'Nitro Boost ×5', 'Five single-race nitro boosts.', 149),
    product(
      'rally_pass_monthly',
      'SUBSCRIPTION',
      'Rally Pass (Monthly)',
      'Monthly pass: every new track on release day, double coin rewards and ghost replays.',
      499,
      'MONTHLY',
    ),
    product(
      'rally_pass_annual',
      'SUBSCRIPTION',
      'Rally Pass (Annual)',
      'Yearly pass: every new track on release day, double coin rewards and ghost replays. Two months free.',
      4999,
      'ANNUAL',
    ),
  ];
}

function makeSubscriptions(): FixtureSubscription[] {
  const rows: FixtureSubscription[] = [];
  const monthly: PriceTerm = { term: 'MONTHLY', currency: 'USD', price: '4.99' };
  const annual: PriceTerm = { term: 'ANNUAL', currency: 'USD', price: '49.99' };
  const subscriber = (index: number, sku: string, extra: Partial<FixtureSubscription>): void => {
    const isAnnual = sku === 'rally_pass_annual';
    const start = isAnnual
      ? randInt(unix('2026-02-10T00:00:00Z'), unix('2026-11-15T00:00:00Z'))
      : randInt(unix('2026-11-01T00:00:00Z'), unix('2026-11-19T00:00:00Z'));
    const end = addMonths(start, isAnnual ? 12 : 1);
    const term = isAnnual ? annual : monthly;
    rows.push({
      id: ids.next(),
      user_id: users[index]!.id,
      sku,
      period_start_time: iso(start),
      period_end_time: iso(end),
      is_trial: false,
      is_active: true,
      next_renewal_time: iso(end),
      current_price_term: term,
      next_price_term: term,
      ...extra,
    });
  };

  subscriber(P.showcase, 'rally_pass_annual', {});
  const trialStart = unix('2026-11-14T18:30:00Z');
  subscriber(P.freeTrial, 'rally_pass_monthly', {
    period_start_time: iso(trialStart),
    period_end_time: iso(trialStart + 14 * DAY),
    next_renewal_time: iso(trialStart + 14 * DAY),
    is_trial: true,
    trial_type: 'FREE_TRIAL',
    current_price_term: { currency: 'USD', price: '0.00' },
  });
  const introStart = unix('2026-11-03T09:15:00Z');
  subscriber(P.introOffer, 'rally_pass_monthly', {
    period_start_time: iso(introStart),
    period_end_time: iso(addMonths(introStart, 1)),
    next_renewal_time: iso(addMonths(introStart, 1)),
    is_trial: true,
    trial_type: 'INTRO_OFFER',
    current_price_term: { term: 'MONTHLY', currency: 'USD', price: '0.99' },
  });
  const cancelStart = unix('2026-11-05T20:00:00Z');
  subscriber(P.cancelled, 'rally_pass_monthly', {
    period_start_time: iso(cancelStart),
    period_end_time: iso(addMonths(cancelStart, 1)),
    cancellation_time: iso(unix('2026-11-12T08:41:17Z')),
    next_renewal_time: undefined,
    next_price_term: undefined,
  });
  const lapsedStart = unix('2026-08-28T14:00:00Z');
  subscriber(P.lapsed, 'rally_pass_monthly', {
    period_start_time: iso(lapsedStart),
    period_end_time: iso(addMonths(lapsedStart, 1)),
    is_active: false,
    cancellation_time: iso(unix('2026-09-19T22:03:45Z')),
    next_renewal_time: undefined,
    next_price_term: undefined,
  });

  // 25 more ordinary subscribers among the active players, a few of them on trials.
  const personas = new Set<number>(Object.values(P));
  const candidates = shuffled(range(ACTIVE_POOL).filter((i) => !personas.has(i) && users[i]!.owns_app));
  for (const [n, index] of candidates.slice(0, 25).entries()) {
    const sku = n % 3 === 0 ? 'rally_pass_annual' : 'rally_pass_monthly';
    if (n === 4 || n === 11) {
      const start = randInt(unix('2026-11-16T00:00:00Z'), unix('2026-11-19T00:00:00Z'));
      subscriber(index, 'rally_pass_monthly', {
        period_start_time: iso(start),
        period_end_time: iso(start + 14 * DAY),
        next_renewal_time: iso(start + 14 * DAY),
        is_trial: true,
        trial_type: 'FREE_TRIAL',
        current_price_term: { currency: 'USD', price: '0.00' },
      });
    } else {
      subscriber(index, sku, {});
    }
  }
  // Spread-with-undefined leaves keys present as undefined; drop them so JSON and types agree.
  return rows.map((r) => JSON.parse(JSON.stringify(r)) as FixtureSubscription);
}

function makePurchases(): FixturePurchase[] {
  const rows: FixturePurchase[] = [];
  const buy = (index: number, sku: string, grant: number, expiration = 0): void => {
    rows.push({
      id: ids.next(),
      user_id: users[index]!.id,
      sku,
      grant_time: grant,
      expiration_time: expiration,
    });
  };
  const after = (index: number): number => randInt(users[index]!.app_grant_time, SNAPSHOT - DAY);

  for (let i = 0; i < ACTIVE_POOL; i++) {
    const user = users[i]!;
    if (!user.owns_app || i === P.unranked) continue;
    if (i === P.showcase) {
      buy(i, 'track_pack_alpine', unix('2026-02-11T19:22:05Z'));
      buy(i, 'livery_neon_nights', unix('2026-03-02T21:10:44Z'));
      buy(i, 'winter_cup_2026_pass', unix('2026-02-14T16:00:12Z'), WINTER_CUP_END);
      buy(i, 'coins_2800', unix('2026-11-18T20:45:31Z'));
      continue;
    }
    if (i === P.shopper) {
      buy(i, 'track_pack_alpine', unix('2026-06-07T12:01:09Z'));
      buy(i, 'livery_neon_nights', unix('2026-06-07T12:03:27Z'));
      buy(i, 'coins_500', unix('2026-11-17T18:20:00Z'));
      buy(i, 'nitro_boost_x5', unix('2026-11-19T21:14:52Z'));
      continue;
    }
    if (i === P.lapsed) {
      buy(i, 'winter_cup_2026_pass', unix('2026-03-01T10:30:00Z'), WINTER_CUP_END);
      continue;
    }
    if (i > P.bitfieldNearMiss && rng() < 0.35) continue; // many players never buy anything
    if (rng() < 0.45) buy(i, 'track_pack_alpine', after(i));
    if (rng() < 0.3) buy(i, 'livery_neon_nights', after(i));
    if (user.app_grant_time < WINTER_CUP_END - 20 * DAY && rng() < 0.06) {
      buy(i, 'winter_cup_2026_pass', randInt(user.app_grant_time, WINTER_CUP_END - 10 * DAY), WINTER_CUP_END);
    }
    // Consumables stay listed only until consumed; most were consumed long ago, a few are not yet.
    if (rng() < 0.05)
      buy(i, pick(['coins_500', 'coins_2800', 'nitro_boost_x5']), SNAPSHOT - randInt(1, 6) * DAY);
  }

  // Subscription entitlements expire at the end of the paid period.
  for (const s of subscriptions) {
    const index = users.findIndex((u) => u.id === s.user_id);
    buy(
      index,
      s.sku,
      unix(s.period_start_time.replace('+0000', 'Z')),
      unix(s.period_end_time.replace('+0000', 'Z')),
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Leaderboards
// ---------------------------------------------------------------------------------------------

function makeLeaderboards(): FixtureLeaderboard[] {
  const board = (
    api: string,
    sort: SortOrder,
    policy: WritePolicy,
    title: string,
    earliest = 0,
    latest = 0,
  ): FixtureLeaderboard => ({
    id: ids.next(),
    api_name: api,
    sort_order: sort,
    entry_write_policy: policy,
    earliest_allowed_entry_time: earliest,
    latest_allowed_entry_time: latest,
    title,
  });
  return [
    board(
      'GLOBAL_HIGH_SCORE',
      'HIGHER_IS_BETTER',
      'SERVER_AUTHORITATIVE',
      'Global High Score (career points)',
    ),
    board(
      'WEEKLY_TIME_TRIAL',
      'LOWER_IS_BETTER',
      'SERVER_AUTHORITATIVE',
      'Weekly Time Trial: Red Canyon, Nov 2–8 2026 (milliseconds)',
      TIME_TRIAL_START,
      TIME_TRIAL_END,
    ),
    board(
      'ALPINE_PASS_BEST_LAP',
      'LOWER_IS_BETTER',
      'CLIENT_AUTHORITATIVE',
      'Alpine Pass Best Lap (milliseconds)',
    ),
    board('DRIFT_MASTERS', 'HIGHER_IS_BETTER', 'CLIENT_AUTHORITATIVE', 'Drift Masters (style points)'),
  ];
}

function makeLeaderboardEntries(): FixtureLeaderboardEntry[] {
  const rows: FixtureLeaderboardEntry[] = [];
  const entry = (
    api: string,
    index: number,
    score: bigint,
    timestamp: number,
    extra?: object,
    metric?: bigint,
  ): void => {
    const row: FixtureLeaderboardEntry = {
      id: ids.next(),
      api_name: api,
      user_id: users[index]!.id,
      score: score.toString(),
      timestamp,
    };
    if (extra !== undefined) row.extra_data_base64 = Buffer.from(JSON.stringify(extra)).toString('base64');
    if (metric !== undefined) row.supplementary_metric = metric.toString();
    rows.push(row);
  };
  const eligible = (i: number): boolean => users[i]!.owns_app && i !== P.unranked;
  const seen = (i: number): number => randInt(users[i]!.app_grant_time, SNAPSHOT);

  // GLOBAL_HIGH_SCORE: nearly every owner; career points are log-normal, with a few exact ties
  // (same score) that the supplementary metric (races finished) and the timestamp then order.
  const unrankedExtras = new Set(shuffled(range(ACTIVE_POOL, USER_COUNT)).slice(0, 40));
  let previousScore = 0n;
  for (let i = 0; i < USER_COUNT; i++) {
    if (!eligible(i) || unrankedExtras.has(i)) continue;
    let score: bigint;
    if (i === P.topScorer) score = 9_007_199_254_740_995n;
    else if (i === P.showcase) score = 4_871_220n;
    else if (previousScore > 0n && previousScore < 100_000_000n && rng() < 0.02) score = previousScore;
    else score = BigInt(Math.round(Math.exp(11.2 + 1.1 * gaussian()))) + 500n;
    previousScore = score;
    const races = BigInt(randInt(5, 900));
    const extra = rng() < 0.4 ? { car: pick(CARS), season: 1, prestige: randInt(0, 5) } : undefined;
    entry('GLOBAL_HIGH_SCORE', i, score, seen(i), extra, races);
  }

  // WEEKLY_TIME_TRIAL: closed window in the past; entries all inside it.
  for (let i = 0; i < ACTIVE_POOL; i++) {
    if (!eligible(i) || (i !== P.showcase && rng() < 0.1)) continue;
    const ms = BigInt(Math.round(71_500 + 4_200 * Math.abs(gaussian()) + rng() * 900));
    entry(
      'WEEKLY_TIME_TRIAL',
      i,
      i === P.showcase ? 70_912n : ms,
      randInt(TIME_TRIAL_START, TIME_TRIAL_END),
      {
        car: pick(CARS),
        splits: [randInt(21_000, 24_000), randInt(23_000, 27_000)],
      },
    );
  }

  // ALPINE_PASS_BEST_LAP: the players who own the track pack, plus a few more from its free weekend.
  const alpineOwners = new Set(purchases.filter((p) => p.sku === 'track_pack_alpine').map((p) => p.user_id));
  for (let i = 0; i < 420; i++) {
    if (!eligible(i)) continue;
    if (!alpineOwners.has(users[i]!.id) && rng() < 0.35) continue;
    const ms = BigInt(Math.round(94_000 + 6_500 * Math.abs(gaussian()) + rng() * 1_500));
    entry('ALPINE_PASS_BEST_LAP', i, i === P.showcase ? 97_850n : ms, seen(i), {
      car: pick(CARS),
      weather: pick(WEATHER),
    });
  }

  // DRIFT_MASTERS: a niche board; style points with a combo-length tiebreaker.
  for (let i = 0; i < ACTIVE_POOL; i++) {
    if (!eligible(i) || (i !== P.showcase && rng() < 0.55)) continue;
    const points = BigInt(Math.round(20_000 + 60_000 * rng() ** 2) * 10);
    entry('DRIFT_MASTERS', i, points, seen(i), undefined, BigInt(randInt(3, 64)));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Nonces
// ---------------------------------------------------------------------------------------------

function makeNonces(): FixtureNonce[] {
  const taken = new Set<string>();
  const holders: number[] = [
    P.showcase,
    P.showcase,
    P.topScorer,
    P.unranked,
    P.nonOwner,
    P.freeTrial,
    P.shopper,
  ];
  while (holders.length < 20) holders.push(randInt(12, ACTIVE_POOL - 1));
  return holders.map((index) => ({ user_id: users[index]!.id, nonce: unique(taken, () => alnum(48)) }));
}

// ---------------------------------------------------------------------------------------------
// Invariants (fail loudly rather than ship a fixture the emulator would reject or misread)
// ---------------------------------------------------------------------------------------------

function checkInvariants(f: Fixture): void {
  const fail = (message: string): never => {
    throw new Error(`demo fixture invariant broken: ${message}`);
  };
  const userIds = new Set(f.users.map((u) => u.id));
  const expectUnique = (label: string, values: string[]): void => {
    if (new Set(values).size !== values.length) fail(`${label} not unique`);
  };
  expectUnique(
    'user ids',
    f.users.map((u) => u.id),
  );
  expectUnique(
    'aliases',
    f.users.map((u) => u.alias),
  );
  expectUnique(
    'org-scoped ids',
    f.users.map((u) => u.org_scoped_id),
  );
  expectUnique(
    'access tokens',
    f.users.map((u) => u.access_token),
  );
  expectUnique('object ids', [
    ...f.achievement_definitions.map((d) => d.id),
    ...f.achievement_progress.map((p) => p.id),
    ...f.products.map((p) => p.id),
    ...f.purchases.map((p) => p.id),
    ...f.subscriptions.map((s) => s.id),
    ...f.leaderboards.map((l) => l.id),
    ...f.leaderboard_entries.map((e) => e.id),
  ]);
  const byId = new Map(f.users.map((u) => [u.id, u]));
  for (const u of f.users) {
    if (!/^\d{16}$/.test(u.id)) fail(`user id ${u.id}`);
    if (!/^FRL[A-Za-z0-9]{60,}$/.test(u.access_token)) fail(`token of ${u.id}`);
    for (const friend of u.friends) {
      if (!byId.get(friend)?.friends.includes(u.id)) fail(`friendship ${u.id} -> ${friend} not symmetric`);
    }
  }
  const defs = new Map(f.achievement_definitions.map((d) => [d.api_name, d]));
  for (const p of f.achievement_progress) {
    const d = defs.get(p.api_name) ?? fail(`progress on unknown ${p.api_name}`);
    if (!userIds.has(p.user_id)) fail(`progress of unknown user ${p.user_id}`);
    if (p.is_unlocked !== p.unlock_time > 0) fail(`unlock_time of progress ${p.id}`);
    if (d.achievement_type === 'COUNT') {
      const reached = BigInt(p.count_progress) >= BigInt(d.target);
      const forced = p.api_name === 'WIN_10_RACES' && p.user_id === users[P.forceUnlocked]!.id;
      if (reached !== p.is_unlocked && !forced) fail(`COUNT unlock rule on progress ${p.id}`);
    }
    if (d.achievement_type === 'BITFIELD') {
      const bits = p.bitfield_progress ?? fail(`missing bits on ${p.id}`);
      if (bits.length !== d.bitfield_length || !/^[01]+$/.test(bits)) fail(`bitfield of progress ${p.id}`);
      const ones = [...bits].filter((b) => b === '1').length;
      if (BigInt(ones) >= BigInt(d.target) !== p.is_unlocked) fail(`BITFIELD unlock rule on ${p.id}`);
    }
  }
  const skus = new Set(f.products.map((p) => p.sku));
  for (const p of f.purchases) {
    if (!skus.has(p.sku) || !userIds.has(p.user_id)) fail(`purchase ${p.id}`);
  }
  for (const e of f.leaderboard_entries) {
    if (!userIds.has(e.user_id)) fail(`entry ${e.id} of unknown user`);
    if (e.timestamp < LAUNCH - 30 * DAY || e.timestamp > SNAPSHOT) fail(`timestamp of entry ${e.id}`);
    if (BigInt(e.score) > 9_223_372_036_854_775_807n) fail(`score of entry ${e.id} overflows int64`);
  }
  for (const board of f.leaderboards) {
    const users = f.leaderboard_entries.filter((e) => e.api_name === board.api_name).map((e) => e.user_id);
    expectUnique(`users on ${board.api_name}`, users);
  }
  const global = f.leaderboard_entries.filter((e) => e.api_name === 'GLOBAL_HIGH_SCORE').length;
  if (global < 1100) fail(`GLOBAL_HIGH_SCORE has only ${global} entries`);
}

// ---------------------------------------------------------------------------------------------
// Helpers: seeded randomness, ids, time
// ---------------------------------------------------------------------------------------------

/** Hands out unique 16-digit numeric ids that look like Horizon object ids. */
class NumericIdAllocator {
  readonly #taken = new Set<string>();
  next(): string {
    // Leading digits 1, 3 and 7 are left to user, org-scoped and app ids so no two kinds collide.
    return unique(this.#taken, () => `${pick(['2', '4', '5', '6', '8', '9'])}${digits(15)}`);
  }
}

function randInt(min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function range(startOrEnd: number, end?: number): number[] {
  const [from, to] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function digits(n: number): string {
  return Array.from({ length: n }, () => String(Math.floor(rng() * 10))).join('');
}

function alnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: n }, () => alphabet[Math.floor(rng() * alphabet.length)]).join('');
}

function unique(taken: Set<string>, make: () => string): string {
  for (;;) {
    const value = make();
    if (!taken.has(value)) {
      taken.add(value);
      return value;
    }
  }
}

function unix(isoString: string): number {
  const ms = Date.parse(isoString);
  if (Number.isNaN(ms)) throw new Error(`bad date ${isoString}`);
  return ms / 1000;
}

/** ISO-8601 with the API's `+0000` offset, e.g. `2026-11-01T10:00:00+0000`. */
function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function addMonths(seconds: number, months: number): number {
  const d = new Date(seconds * 1000);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime() / 1000;
}

// ---------------------------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------------------------

// prettier-ignore
const ALIAS_PREFIXES = [
  'Nova', 'Apex', 'Drift', 'Turbo', 'Pixel', 'Shadow', 'Neon', 'Rally', 'Gravel', 'Canyon', 'Storm',
  'Echo', 'Volt', 'Blaze', 'Frost', 'Lunar', 'Solar', 'Rogue', 'Swift', 'Iron', 'Chrome', 'Viper',
  'Falcon', 'Nitro', 'Zen', 'Crimson', 'Cobalt', 'Hyper', 'Quantum', 'Retro',
];
// prettier-ignore
const ALIAS_NOUNS = [
  'Racer', 'Rider', 'Pilot', 'Fox', 'Wolf', 'Hawk', 'Runner', 'Ghost', 'Knight', 'Comet', 'Drifter',
  'Ace', 'Nomad', 'Spark', 'Phantom', 'Raven', 'Tiger', 'Lynx', 'Otter', 'Badger', 'Mantis', 'Cobra',
  'Jet', 'Wraith', 'Voyager',
];
// prettier-ignore
const FIRST_NAMES = [
  'Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Riley', 'Casey', 'Jamie', 'Avery', 'Quinn', 'Maya',
  'Liam', 'Noah', 'Emma', 'Olivia', 'Lucas', 'Sofia', 'Mateo', 'Aiko', 'Kenji', 'Priya', 'Arjun',
  'Fatima', 'Omar', 'Lena', 'Jonas', 'Chloé', 'Hugo', 'Ines', 'Wei', 'Min-jun', 'Seo-yeon', 'Olu',
  'Amara', 'Diego', 'Camila', 'Freya', 'Erik', 'Zoe', 'Ravi',
];
// prettier-ignore
const LAST_NAMES = [
  'Smith', 'Garcia', 'Nguyen', 'Müller', 'Rossi', 'Kim', 'Tanaka', 'Okafor', 'Silva', 'Patel',
  'Johansson', 'Dubois', 'Kowalski', 'Haddad', 'Andersen', 'Costa', 'Novak', 'Chen', 'Walker', 'Ibrahim',
  'Moreau', 'Schmidt', 'Yilmaz', 'Martin', 'Lopez', 'Sato', 'Reyes', "O'Brien", 'Fischer', 'Ahmed',
];
const CARS = ['Kestrel GT', 'Mistral R4', 'Badger 4x4', 'Vanta Coupe', 'Sirocco RS', 'Tundra Trophy'];
const WEATHER = ['clear', 'snow', 'fog', 'night'];

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

const rng = mulberry32(SEED);
const ids = new NumericIdAllocator();

const appId = '7000000000000001';
const users = makeUsers();
const definitions = makeAchievementDefinitions();
const progress = makeAchievementProgress();
const products = makeProducts();
const subscriptions = makeSubscriptions();
const purchases = makePurchases();
const leaderboards = makeLeaderboards();
const entries = makeLeaderboardEntries();
const nonces = makeNonces();

const fixture: Fixture = {
  app: { id: appId, secret: 'demo-app-secret-not-a-real-secret' },
  users,
  achievement_definitions: definitions,
  achievement_progress: progress,
  products,
  purchases,
  subscriptions,
  leaderboards,
  leaderboard_entries: entries,
  nonces,
};

checkInvariants(fixture);
const outPath = fileURLToPath(new URL('../fixtures/demo.json', import.meta.url));
writeFileSync(outPath, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(
  `wrote ${outPath}: ${users.length} users, ${definitions.length} achievements, ` +
    `${progress.length} progress rows, ${products.length} products, ${purchases.length} purchases, ` +
    `${subscriptions.length} subscriptions, ${leaderboards.length} leaderboards, ` +
    `${entries.length} entries, ${nonces.length} nonces`,
);
